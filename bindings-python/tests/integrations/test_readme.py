"""The README's section "Python: wheel and framework integrations" stays true: its Python
blocks compile, and the FastAPI and Flask ones build their apps as written."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest

from integrations import need

ROOT = Path(__file__).resolve().parents[3]


def blocks() -> List[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Python: wheel and framework integrations")
    section = text[start : text.index("\n## ", start + 1)]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_every_block_compiles() -> None:
    found = blocks()
    assert len(found) == 3, "a Django, a FastAPI and a Flask block"
    for block in found:
        compile(block, "README.md", "exec")


def run(marker: str, tmp_path: Path) -> Dict[str, Any]:
    (block,) = [b for b in blocks() if marker in b]
    scope: Dict[str, Any] = {
        "__name__": "readme",
        "SECRET": "a README secret of some length",
        "TENANT": 1,
    }
    cwd = os.getcwd()
    os.chdir(tmp_path)  # "pbx.db" is opened at first use only, never here
    try:
        exec(compile(block, "README.md", "exec"), scope)  # noqa: S102 - our own documentation
    finally:
        os.chdir(cwd)
    assert not any(tmp_path.iterdir())
    return scope


def test_fastapi_block_builds_its_app(tmp_path: Path) -> None:
    need("fastapi")
    app = run("rolecall.fastapi", tmp_path)["app"]
    doc = app.openapi()
    assert doc["components"]["securitySchemes"]["rolecall"]["scheme"] == "bearer"
    assert doc["paths"]["/campaigns/{scope_id}/start"]["post"]["security"] == [{"rolecall": []}]


def test_flask_block_builds_its_app(tmp_path: Path) -> None:
    need("flask", "flask_login")
    app = run("rolecall.flask", tmp_path)["app"]
    with app.test_client() as c:
        assert c.post("/campaigns/1/start").status_code == 401


@pytest.mark.parametrize("name", ["django_app", "fastapi_app", "flask_app"])
def test_example_commands_name_real_files(name: str) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"python examples/python/{name}/app.py" in text
    assert (ROOT / "examples" / "python" / name / "app.py").is_file()
