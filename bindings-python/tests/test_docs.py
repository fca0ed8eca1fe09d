"""The Python examples of the documentation run as written."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import rolecall

ROOT = Path(__file__).resolve().parents[2]


def test_readme_python_section_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Using it from Python")
    section = text[start : text.index("\n## ", start + 1)]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "no python block in the README's Python section"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - our own documentation


def test_package_docstring_example() -> None:
    failures, tried = doctest.testmod(rolecall, verbose=False)
    assert tried > 0 and failures == 0


def test_readme_time_bound_python_block_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- time-bound grants: Python")
    section = text[start : text.index("<!-- end time-bound grants: Python -->", start)]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "no python block in the README's time-bound grants part"
    exec(compile(blocks[0], "README.md", "exec"), {})  # noqa: S102 - our own documentation
