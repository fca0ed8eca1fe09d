"""One directory shared by several Python threads: checks run while another thread changes
roles and groups; every answer comes from one consistent revision."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import pytest

from rolecall import Directory, NewUser, Permission, Preset

A = Permission.CAMPAIGNS_CONTROL  # Operator has it, Service does not
B = Permission.SYSTEM_ADMIN  # Service has it, Operator does not


def _setup(d: Directory, n: int) -> tuple[int, List[int], int, int, int]:
    t = d.create_tenant("T", NewUser("R", "Oot", "root@t.test"), presets=[Preset.MANAGERS])
    role = {r.name: r.id for r in d.roles(t.tenant)}
    users = [
        d.create_user(t.superadmin, first_name=f"U{i}", last_name="X", email=f"u{i}@t.test",
                      roles=[role["Operator"]])
        for i in range(n)
    ]
    group = d.create_group(t.superadmin, "Service", [role["Service"]])
    return t.superadmin, users, role["Operator"], role["Service"], group


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
def test_checks_while_another_thread_changes(storage: str, tmp_path: Path) -> None:
    d = Directory(tmp_path / "dir.db") if storage == "sqlite" else Directory()
    root, users, operator, service, group = _setup(d, 8)
    stop = threading.Event()
    errors: List[BaseException] = []
    counts = [0] * 4

    def writer() -> None:
        try:
            for i in range(60 if storage == "sqlite" else 300):
                u = users[i % len(users)]
                # Swap the user's only role atomically: at every revision it holds exactly one
                # of A and B.
                flip = (i // len(users)) % 2 == 0
                d.set_user_roles(root, u, [service] if flip else [operator])
                if i % 10 == 0:
                    d.add_member(root, group, users[0])
                    d.remove_member(root, group, users[0])
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)
        finally:
            stop.set()

    def reader(k: int) -> None:
        try:
            last = 0
            while not stop.is_set() or counts[k] < 50:
                snap = d.snapshot()
                assert snap.revision >= last
                last = snap.revision
                for u in users[1:]:
                    a, b = snap.check(u, A), snap.check(u, B)
                    assert a != b, (u, a, b, snap.revision)
                    # check_many answers from one snapshot as well.
                    both = d.check_many([u, u], [A, B])
                    assert both in ([True, False], [False, True])
                assert d.check(root, A | B)
                assert isinstance(d.check(users[0], A), bool)
                counts[k] += 1
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(len(counts))]
    w = threading.Thread(target=writer)
    for t in threads:
        t.start()
    w.start()
    w.join(timeout=120)
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[0]
    assert all(c >= 50 for c in counts), counts
    assert d.revision >= 60


LOCKER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
con.execute("COMMIT")
"""


def test_the_gil_is_released_while_storage_waits(tmp_path: Path) -> None:
    """A mutation waiting for a lock must not hold the GIL. Another process holds the SQLite
    write lock until a Python thread of this process tells it to let go: were the GIL held while
    waiting, that thread could not run, and the mutation would fail with BusyError."""
    path = tmp_path / "gil.db"
    d = Directory(path, busy_timeout=3.0)
    root, users, operator, service, _ = _setup(d, 1)
    child = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "locked"

    def release_later() -> None:
        time.sleep(0.3)
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()

    helper = threading.Thread(target=release_later)
    helper.start()
    start = time.perf_counter()
    try:
        d.set_user_roles(root, users[0], [service])  # waits for the lock, then commits
    finally:
        elapsed = time.perf_counter() - start
        helper.join()
        child.stdin.close()
        child.stdout.close()
        child.wait(timeout=10)
    assert 0.2 < elapsed < 2.5, elapsed
    assert d.check(users[0], B)
