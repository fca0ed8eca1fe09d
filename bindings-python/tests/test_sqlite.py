"""SQLite directories from Python: open, reopen, several instances, read-only, bad files."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rolecall
from rolecall import Directory, NewUser, Permission, Preset


def _populate(d: Directory) -> tuple[int, int, int]:
    t = d.create_tenant("Acme", NewUser("Ada", "Root", "root@acme.test"), presets=[Preset.MANAGERS])
    olga = d.create_user(
        t.superadmin,
        first_name="Olga",
        last_name="Petrova",
        email="olga@acme.test",
        roles=[d.role_by_name(t.tenant, "Operator")],
    )
    return t.tenant, t.superadmin, olga


def test_open_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "dir.db"
    d = Directory(path)  # a pathlib.Path
    assert d.path == str(path) and repr(d) == f"Directory(path={str(path)!r}, revision=0)"
    tenant, root, olga = _populate(d)
    g = d.create_group(root, "Team", [d.role_by_name(tenant, "Viewer")])
    d.add_member(root, g, olga)
    rev = d.revision
    user, role = d.user(olga), d.role_by_name(tenant, "Operator")
    del d

    again = Directory.open(str(path))  # a str
    assert again.revision == rev
    assert again.user(olga) == user and again.role(role.id) == role
    assert again.check(olga, Permission.CAMPAIGNS_CONTROL)
    assert again.group_members(g) == [olga]
    assert again.search_users(tenant, "petrova").total == 1
    again.set_active(root, olga, False)
    assert not Directory(path).check(olga, "campaigns.view")


def test_two_instances_on_one_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    a = Directory(path)
    tenant, root, olga = _populate(a)
    b = Directory(path)
    assert b.check(olga, "campaigns.control")
    a.assign_role(root, olga, a.role_by_name(tenant, "Manager"))
    assert not b.check(olga, "users.view")  # b has not seen a's commit yet
    assert b.refresh() == a.revision
    assert b.check(olga, "users.view")
    # b writes after catching up by itself (the core re-plans on a newer revision).
    b.revoke_role(root, olga, b.role_by_name(tenant, "Manager"))
    assert a.refresh() == b.revision and not a.check(olga, "users.view")


def test_read_only(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    tenant, root, olga = _populate(Directory(path))
    ro = Directory(path, read_only=True)
    assert ro.check(olga, "campaigns.view") and ro.user(olga).first_name == "Olga"
    before = ro.revision
    with pytest.raises(rolecall.ReadOnlyError) as e:
        ro.set_active(root, olga, False)
    assert isinstance(e.value, rolecall.StorageError) and e.value.kind == "read_only"
    assert ro.revision == before and ro.check(olga, "campaigns.view")
    with pytest.raises(rolecall.StorageError):
        Directory(tmp_path / "missing.db", read_only=True)


_READ_ONLY_CHILD = """
import sys
import rolecall
from rolecall import Directory

path, olga, root = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
try:
    open(path + ".probe", "w")
    print("OUTCOME the directory is writable: nothing is tested")
    sys.exit(0)
except PermissionError:
    pass
ro = Directory(path, read_only=True)
assert ro.check(olga, "campaigns.view") and ro.user(olga).first_name == "Olga"
assert ro.refresh() == ro.revision
try:
    ro.set_active(root, olga, False)
    print("OUTCOME a change succeeded")
except rolecall.ReadOnlyError:
    print("OUTCOME ok", ro.revision)
"""


def test_read_only_needs_only_read_access(tmp_path: Path) -> None:
    # A file in a directory this process may not write (so SQLite cannot create the -shm a
    # WAL-mode read goes through). Root bypasses permission bits: the child drops its
    # capabilities with setpriv, so that it is held to them like any other user.
    folder = tmp_path / "locked"
    folder.mkdir()
    path = folder / "dir.db"
    d = Directory(path)
    tenant, root, olga = _populate(d)
    rev = d.revision
    del d
    gc.collect()
    assert sorted(p.name for p in folder.iterdir()) == ["dir.db"]
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        prefix = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"] if os.geteuid() == 0 else []
        out = subprocess.run(
            [*prefix, sys.executable, "-c", _READ_ONLY_CHILD, str(path), str(olga), str(root)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        assert f"OUTCOME ok {rev}" in out.stdout, out.stdout + out.stderr
        assert sorted(p.name for p in folder.iterdir()) == ["dir.db"]
    finally:
        folder.chmod(0o755)


def test_bad_files_and_options(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database, " * 100)
    with pytest.raises(rolecall.StorageError) as e:
        Directory(junk)
    assert e.value.kind == "not_a_database" and e.value.code == 902
    assert junk.read_bytes().startswith(b"this is not a database")  # left untouched
    with pytest.raises(rolecall.StorageError):
        Directory(tmp_path / "nope.db", create=False)
    assert not (tmp_path / "nope.db").exists()
    with pytest.raises(rolecall.StorageError):
        Directory(tmp_path / "no-such-dir" / "x.db")
    with pytest.raises(rolecall.StorageError):
        Directory(str(tmp_path / "nul\0.db"))
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(rolecall.InvalidInputError) as e2:
            Directory(tmp_path / "t.db", busy_timeout=bad)
        assert e2.value.kind == "invalid_argument"
    for opts in ({"read_only": True}, {"create": False}, {"busy_timeout": 1.0}):
        with pytest.raises(rolecall.InvalidInputError):
            Directory(**opts)  # type: ignore[arg-type]  # options without a file: not ignored
    with pytest.raises(TypeError):
        Directory(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Directory.open(None)  # type: ignore[arg-type]


def test_close_releases_the_file_and_later_calls_raise(tmp_path: Path) -> None:
    path = tmp_path / "closing.db"
    wal = tmp_path / "closing.db-wal"
    d = Directory(path)
    tenant, root, olga = _populate(d)
    snap = d.snapshot()
    assert wal.exists() and not d.closed
    d.close()
    # The file is released at once (SQLite removed its WAL): no `del d; gc.collect()` needed.
    assert not wal.exists() and d.closed
    d.close()  # idempotent
    assert repr(d) == f"Directory(path={str(path)!r}, closed=True)"
    calls = [
        lambda: d.check(olga, "campaigns.view"),
        lambda: d.revision,
        lambda: d.user(olga),
        lambda: d.tenants(),
        lambda: d.role_by_name(tenant, "Operator"),
        lambda: d.set_active(root, olga, False),
        lambda: d.refresh(),
        lambda: d.snapshot(),
        lambda: d.check_many([olga], "campaigns.view"),
        lambda: d.login(tenant, "root@acme.test", "whatever-password-1"),
    ]
    for call in calls:
        with pytest.raises(rolecall.StorageError) as e:
            call()
        assert (e.value.kind, e.value.code, e.value.message) == ("closed", 907, "the directory is closed")
    assert snap.check(olga, "campaigns.view")  # a snapshot taken before stays readable
    with Directory(path) as again:
        assert again.check(olga, "campaigns.view") and not again.closed
    assert again.closed
    with pytest.raises(ZeroDivisionError):
        with Directory(path) as third:
            1 / 0
    assert third.closed
