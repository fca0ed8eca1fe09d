"""The PostgreSQL store from Python, against a real server (``pg_dsn`` in conftest.py): several
instances of one directory, revision tokens, freshness, following the store."""

from __future__ import annotations

import asyncio
import datetime
import logging
import os
import re
import select
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
import rolecall
from conftest import ROOT

from rolecall import (
    Directory,
    ForeignTokenError,
    InvalidInputError,
    ManualClock,
    NewUser,
    Permission,
    StaleError,
    StorageError,
    UnavailableError,
)
from vector_runner import run_file, vector_files

Schemas = Callable[[], str]


def open_pg(dsn: str, schema: str, **opts: object) -> Directory:
    # Host-driven unless a test asks otherwise: these tests call `refresh` and
    # `wait_for_change` themselves, which a follower thread would race.
    opts.setdefault("follow", False)
    d = Directory.open_postgres(dsn, schema=schema, **opts)  # type: ignore[arg-type]
    d.set_hash_params(m_kib=8, t=1, p=1)
    return d


@pytest.fixture
def pair(pg_dsn: str, pg_schema: Schemas) -> Iterator[List[Directory]]:
    """Two instances of one directory (one database, one schema), as on two hosts."""
    schema = pg_schema()
    a, b = open_pg(pg_dsn, schema), open_pg(pg_dsn, schema)
    yield [a, b]
    a.close()
    b.close()


def new_tenant(d: Directory, name: str = "Acme") -> int:
    email = f"root@{name.lower()}.test"
    return d.create_tenant(name, NewUser("Ada", "Root", email), presets=["managers"]).superadmin


def test_a_write_on_one_instance_is_read_on_the_other_after_at_least(
    pair: List[Directory],
) -> None:
    a, b = pair
    assert a.path is None and b.revision == a.revision == 0
    root = new_tenant(a)
    token = a.revision_token()
    assert token.startswith("rc1.") and token.endswith(f".{a.revision}")
    snap = b.at_least(token, 5.0)
    assert snap.revision >= a.revision and b.revision >= a.revision
    assert snap.check(root, Permission.USERS_MANAGE)
    assert [t.name for t in b.tenants()] == ["Acme"]
    # A token of this very instance, or an older one, answers at once.
    assert b.at_least(b.revision_token(), 0).revision == b.revision
    assert b.at_least(token, datetime.timedelta(seconds=1)).revision >= a.revision


def test_a_write_on_the_other_instance_comes_back(pair: List[Directory]) -> None:
    a, b = pair
    root = new_tenant(a)
    b.at_least(a.revision_token(), 5)
    user = b.create_user(
        root, first_name="Bo", last_name="Two", email="bo@acme.test", roles=[]
    )
    assert a.at_least(b.revision_token(), 5).revision == b.revision
    assert a.user(user).email == "bo@acme.test"


def test_a_token_of_another_schema_is_refused(
    pg_dsn: str, pg_schema: Schemas, pair: List[Directory]
) -> None:
    a, _ = pair
    elsewhere = open_pg(pg_dsn, pg_schema())
    try:
        new_tenant(elsewhere)
        with pytest.raises(ForeignTokenError) as e:
            a.at_least(elsewhere.revision_token(), 1)
        assert (e.value.kind, e.value.code) == ("foreign_token", 910)
        assert isinstance(e.value, StorageError)
    finally:
        elsewhere.close()
    for bad in ("", "rc1", "not a token", "rc1.x.y.z", "rc2.1.1"):
        with pytest.raises(ForeignTokenError):
            a.at_least(bad, 0)


def test_a_token_newer_than_the_store_is_refused(pair: List[Directory]) -> None:
    # A store restored from an older backup: the token's write is not there any more.
    a, b = pair
    new_tenant(a)
    prefix, store, revision = a.revision_token().split(".")
    with pytest.raises(ForeignTokenError):
        b.at_least(f"{prefix}.{store}.{int(revision) + 10}", 1)


def test_freshness_getters(pair: List[Directory]) -> None:
    a, _ = pair
    before = int(time.time() * 1000)
    new_tenant(a)
    assert before - 5000 <= a.caught_up_at <= int(time.time() * 1000) + 5000
    assert a.full_reloads == 0


def test_wait_for_change_then_refresh(pair: List[Directory]) -> None:
    a, b = pair
    assert b.wait_for_change(0.05) is False
    new_tenant(a)
    assert b.wait_for_change(datetime.timedelta(seconds=5)) is True
    assert b.refresh() == a.revision == b.revision


def test_wait_for_change_without_the_listener(pg_dsn: str, pg_schema: Schemas) -> None:
    schema = pg_schema()
    a, b = open_pg(pg_dsn, schema), open_pg(pg_dsn, schema, listen=False, poll_interval=0.05)
    try:
        assert b.wait_for_change(0) is False
        new_tenant(a)
        assert b.wait_for_change(5) is True
    finally:
        a.close()
        b.close()


def test_an_event_loop_waits_on_the_change_descriptor(pair: List[Directory]) -> None:
    a, b = pair
    fd = b.change_fd()
    assert isinstance(fd, int) and fd >= 0 and b.change_fd() == fd
    time.sleep(0.3)
    b.refresh()
    assert select.select([fd], [], [], 0)[0] == []

    async def wait_then_refresh() -> int:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            new_tenant(a)
            await asyncio.wait_for(ready, 10)
        finally:
            loop.remove_reader(fd)
        return b.refresh()

    assert asyncio.run(wait_then_refresh()) == a.revision == b.revision
    assert select.select([fd], [], [], 0)[0] == []


def test_a_store_without_notifications_has_no_change_descriptor(
    pg_dsn: str, pg_schema: Schemas
) -> None:
    quiet = open_pg(pg_dsn, pg_schema(), listen=False)
    with pytest.raises(InvalidInputError):
        quiet.change_fd()
    with pytest.raises(InvalidInputError):
        Directory().change_fd()
    quiet.close()


def test_follow_keeps_the_other_instance_caught_up(pair: List[Directory]) -> None:
    a, b = pair
    b.follow()
    new_tenant(a)
    deadline = time.monotonic() + 10
    while b.revision < a.revision and time.monotonic() < deadline:
        time.sleep(0.01)
    assert b.revision == a.revision and [t.name for t in b.tenants()] == ["Acme"]
    b.close()  # the follower ends with the directory
    with pytest.raises(StorageError):
        b.follow()


def test_open_postgres_follows_by_default(pg_dsn: str, pg_schema: Schemas) -> None:
    schema = pg_schema()
    a = open_pg(pg_dsn, schema)
    b = Directory.open_postgres(pg_dsn, schema=schema)  # the default: following
    try:
        new_tenant(a)
        deadline = time.monotonic() + 10
        # No refresh, no wait: the library's thread applies a's commit on b.
        while b.revision < a.revision and time.monotonic() < deadline:
            time.sleep(0.01)
        assert b.revision == a.revision and [t.name for t in b.tenants()] == ["Acme"]
    finally:
        a.close()
        b.close()


def test_bad_options_and_unreachable_servers_raise_typed_errors(pg_dsn: str) -> None:
    with pytest.raises(InvalidInputError):
        Directory.open_postgres("host=/tmp port=notaport")
    with pytest.raises(InvalidInputError):
        Directory.open_postgres(pg_dsn, schema="")
    with pytest.raises(InvalidInputError):
        Directory.open_postgres(pg_dsn, schema="x" * 64)
    for bad in (-1.0, float("nan"), float("inf"), datetime.timedelta(seconds=-1)):
        with pytest.raises(InvalidInputError):
            Directory.open_postgres(pg_dsn, poll_interval=bad)
    with pytest.raises(TypeError):
        Directory.open_postgres(pg_dsn, lock_timeout=True)
    with pytest.raises(TypeError):
        Directory.open_postgres(pg_dsn, lock_timeout="5")  # type: ignore[arg-type]
    nowhere = f"host={tempfile.gettempdir()}/rolecall-no-such-server port=5432 user=x"
    with pytest.raises(UnavailableError) as e:
        Directory.open_postgres(nowhere, connect_timeout=1)
    assert (e.value.code, e.value.kind) == (908, "unavailable")


def test_timeouts_are_checked(pair: List[Directory]) -> None:
    a, _ = pair
    token = a.revision_token()
    for bad in (-0.5, float("nan")):
        with pytest.raises(InvalidInputError):
            a.at_least(token, bad)
        with pytest.raises(InvalidInputError):
            a.wait_for_change(bad)


def test_a_closed_directory_raises(pair: List[Directory]) -> None:
    a, _ = pair
    token = a.revision_token()
    a.close()
    for call in (
        a.revision_token,
        lambda: a.at_least(token, 0),
        lambda: a.wait_for_change(0),
        lambda: a.caught_up_at,
        lambda: a.full_reloads,
        a.follow,
    ):
        with pytest.raises(StorageError) as e:
            call()
        assert e.value.kind == "closed"


@pytest.fixture
def private_cluster() -> Iterator[Path]:
    """A cluster of this test's own, for taking the server down without disturbing others."""
    script = ROOT / "scripts" / "pg-cluster.sh"
    cluster = Path(tempfile.mkdtemp(prefix="rolecall-pg-outage-"))
    try:
        yield cluster
    finally:
        subprocess.run(["bash", str(script), "stop", str(cluster)], check=False)


def cluster(cmd: str, where: Path) -> str:
    script = ROOT / "scripts" / "pg-cluster.sh"
    args = ["bash", str(script), cmd, str(where)] + ([str(os.getpid())] if cmd == "start" else [])
    return subprocess.run(
        args, check=True, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    ).stdout.strip()


def test_a_token_ahead_of_an_unreachable_store_times_out_stale(private_cluster: Path) -> None:
    dsn = cluster("start", private_cluster)
    a = open_pg(dsn, "rolecall", connect_timeout=1)
    b = open_pg(dsn, "rolecall", connect_timeout=1)
    try:
        new_tenant(a)
        token = a.revision_token()
        cluster("halt", private_cluster)
        started = time.monotonic()
        with pytest.raises(StaleError) as e:
            b.at_least(token, 0.3)
        assert time.monotonic() - started >= 0.3
        assert (e.value.kind, e.value.code) == ("stale", 909)
        assert e.value.wanted == a.revision and e.value.reached == b.revision == 0
        # Checks keep answering from the last snapshot meanwhile.
        assert b.snapshot().revision == 0
        cluster("resume", private_cluster)
        assert b.at_least(token, 10).revision == a.revision
    finally:
        a.close()
        b.close()


def test_the_cores_messages_go_to_python_logging(
    private_cluster: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The listener's connection lost (a warning) and restored (a notice), as records of the
    # logger "rolecall", emitted from the library's own thread.
    caplog.set_level(logging.INFO, logger="rolecall")
    dsn = cluster("start", private_cluster)
    d = open_pg(dsn, "rolecall", connect_timeout=1, poll_interval=0.1)

    def seen(level: int) -> bool:
        return any(r.name == "rolecall" and r.levelno == level for r in caplog.records)

    def until(level: int) -> None:
        deadline = time.monotonic() + 20
        while not seen(level):
            assert time.monotonic() < deadline, [r.getMessage() for r in caplog.records]
            time.sleep(0.02)

    try:
        cluster("halt", private_cluster)
        until(logging.WARNING)
        cluster("resume", private_cluster)
        until(logging.INFO)
        assert any("reconnected" in r.getMessage() for r in caplog.records)
    finally:
        d.close()


@pytest.mark.parametrize("path", vector_files(), ids=[p.name for p in vector_files()])
def test_vector_file_on_postgres(path: Path, pg_dsn: str, pg_schema: Schemas) -> None:
    opened: List[Directory] = []

    def open_directory(clock: ManualClock) -> Directory:
        opened.append(Directory.open_postgres(pg_dsn, schema=pg_schema(), clock=clock))
        return opened[-1]

    try:
        steps, failure = run_file(path.name, path.read_text(encoding="utf-8"), open_directory)
    finally:
        for d in opened:
            d.close()
    assert failure is None, failure
    assert steps > 0 and len(opened) == 1


def test_readme_several_hosts_python_example_runs(pg_dsn: str, pg_schema: Schemas) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Several hosts: PostgreSQL")
    section = text[start : text.index("\n## ", start + 1)]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    example_dsn = '"host=db.internal user=pbx dbname=pbx sslmode=require"'
    assert example_dsn in block and 'schema="rolecall"' in block
    schema = pg_schema()
    code = block.replace(example_dsn, repr(pg_dsn)).replace(
        'schema="rolecall"', f"schema={schema!r}"
    )
    scope: Dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - our own documentation
    scope["d"].close()


def test_audit_retention_on_postgres_exports_then_prunes_for_every_host(
    pair: List[Directory],
) -> None:
    a, b = pair
    root = new_tenant(a)
    tenant = a.user(root).tenant
    with pytest.raises(rolecall.AuthenticationError):
        a.login(tenant, "nobody@acme.test", "not the password at all")
    time.sleep(0.01)
    cut = int(time.time() * 1000)
    time.sleep(0.01)
    b.refresh()
    b.create_user(root, first_name="Bo", last_name="B", email="bo@acme.test")

    def broken(_: rolecall.AuditEvent) -> None:
        raise OSError("archive unreachable")

    # An export that raises removes nothing, on any host.
    with pytest.raises(OSError, match="archive unreachable"):
        a.export_audit(cut, broken)
    assert b.audit_events().total == 3
    archived: List[rolecall.AuditEvent] = []
    assert a.export_audit(cut, archived.append) == 2
    assert [e.action for e in archived] == ["create_tenant", "login"]
    left = b.audit_events().items
    assert [e.action for e in left] == ["create_user", "prune_audit"]
    assert left[1].detail == f'{{"before":{cut},"removed":2}}'
    assert b.prune_audit(cut) == 0
