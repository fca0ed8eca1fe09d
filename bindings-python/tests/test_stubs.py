"""The stubs, the docstrings and the coverage of the core API stay in step with the runtime.

(`python -m mypy.stubtest rolecall` checks every signature; the test script runs it.)
"""

from __future__ import annotations

import ast
import enum
import inspect
import re
from pathlib import Path
from typing import Dict, List, Tuple

import rolecall
from rolecall import _enums, _rolecall

PKG = Path(rolecall.__file__).resolve().parent
ROOT = Path(__file__).resolve().parents[2]


def _stub_enum_members(stub: Path) -> Dict[str, List[Tuple[str, object]]]:
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    out: Dict[str, List[Tuple[str, object]]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members = [
                (stmt.targets[0].id, ast.literal_eval(stmt.value))
                for stmt in node.body
                if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
            ]
            out[node.name] = members
    return out


def test_enum_stub_lists_exactly_the_runtime_members() -> None:
    stub = _stub_enum_members(PKG / "_enums.pyi")
    runtime = {name: getattr(_enums, name) for name in _enums.__all__}
    assert set(stub) == set(runtime)
    for name, cls in runtime.items():
        members = [(m.name, m.value) for m in cls]
        assert stub[name] == members, f"_enums.pyi is out of date for {name}"
    # The permission members are the core catalogue, bit for bit.
    assert stub["Permission"] == [(k, bits) for k, _, bits in _rolecall.permission_catalogue()]


def test_native_stub_lists_every_runtime_name() -> None:
    tree = ast.parse((PKG / "_rolecall.pyi").read_text(encoding="utf-8"))
    stub_names = {
        n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))
    }
    assert set(_rolecall.__all__) - {"__version__"} == stub_names
    assert set(rolecall.__all__) <= set(dir(rolecall))


def test_every_public_class_and_method_has_a_docstring() -> None:
    missing = []
    for name in rolecall.__all__:
        obj = getattr(rolecall, name)
        if not (inspect.isclass(obj) or callable(obj)):
            continue
        if not (obj.__doc__ or "").strip():
            missing.append(name)
        if inspect.isclass(obj) and not issubclass(obj, (BaseException, enum.Enum)):
            for attr, value in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if not (getattr(value, "__doc__", None) or "").strip():
                    missing.append(f"{name}.{attr}")
    for cls in (rolecall.Permission, rolecall.Preset, rolecall.AccessLevel):
        for attr in ("from_name", "from_names", "parse", "names", "dotted_name", "roles", "index"):
            value = inspect.getattr_static(cls, attr, None)
            if value is not None and not (getattr(value, "__doc__", None) or "").strip():
                missing.append(f"{cls.__name__}.{attr}")
    assert not missing, missing


# Methods of the Rust `Directory` that Python does not bind, and why.
RUST_ONLY = {
    "open_sqlite": "Directory(path) / Directory.open(path)",
    "open": "takes a Rust Store; Python opens SQLite files with Directory.open(path)",
    "open_with_clock": "Directory(clock=ManualClock(...)) / Directory.open(path, clock=...)",
    "in_memory": "bound as a staticmethod",
    "is_closed": "the Directory.closed property",
    "open_postgres_with": "Directory.open_postgres(dsn, schema=..., poll_interval=...)",
    "create_scope_under": "Directory.create_scope(actor, kind, name, parent=...)",
    "allowed_scopes_of_kind": "Directory.allowed_scopes(user, permission, kind=...)",
    "set_tenant_options": "Directory.set_tenant_settings: Python's settings carry no rules",
    "bench_copy_model": "the Rust benchmark's baseline (doc(hidden)), not part of the API",
}
# Core operations not bound yet, if any. Delete a name here when binding it.
PENDING: set = set()


def test_every_core_directory_operation_is_bound() -> None:
    # `impl Directory` is split by concept across core/src/directory/*.rs.
    core: set = set()
    for path in sorted((ROOT / "core" / "src" / "directory").glob("*.rs")):
        source = path.read_text(encoding="utf-8")
        for block in re.findall(r"\nimpl Directory \{\n(.*?)\n\}\n", source, flags=re.S):
            core |= set(re.findall(r"^    pub fn ([a-z_0-9]+)", block, flags=re.M))
    assert {"create_user", "check", "explain"} <= core
    bound = {n for n in core if hasattr(rolecall.Directory, n)}
    missing = core - bound - set(RUST_ONLY) - PENDING
    assert not missing, f"core Directory operations missing from Python: {sorted(missing)}"
    stale = PENDING & bound
    assert not stale, f"bound now, remove from PENDING: {sorted(stale)}"
