"""What the integrations share (rolecall._web): the session token, the directory setting."""

from __future__ import annotations

import importlib
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Callable
from urllib.parse import quote

import pytest

import rolecall
from rolecall import Directory, NewUser
from rolecall._web import DirectoryHandle, Principal, SessionTokens, open_directory, scope_id

KEY = "0123456789abcdef0123456789abcdef"


def test_a_token_carries_the_session_and_nothing_else_reads_as_one() -> None:
    tokens = SessionTokens(KEY, max_age=60)
    token = tokens.issue(Principal(7, 2**64 - 1), now=1000)
    assert tokens.read(token, now=1000) == Principal(7, 2**64 - 1)
    assert tokens.read(token, now=1060) == Principal(7, 2**64 - 1)
    assert tokens.read(token, now=1061) is None  # too old
    assert tokens.read(token, now=900) is None  # issued in the future
    assert SessionTokens(KEY.upper()).read(token, now=1000) is None  # another key
    v, user, stamp, issued, sig = token.split(".")
    for forged in (
        f"{v}.8.{stamp}.{issued}.{sig}",
        f"{v}.{user}.1.{issued}.{sig}",
        f"{v}.{user}.{stamp}.2000.{sig}",
        f"rc2.{user}.{stamp}.{issued}.{sig}",
        f"{v}.{user}.{stamp}.{issued}.{sig[:-1]}",
        token + ".x",
        "",
    ):
        assert tokens.read(forged, now=1000) is None, forged
    assert SessionTokens(KEY, max_age=None).read(token, now=10**12) == Principal(7, 2**64 - 1)


def test_a_key_too_short_or_a_bad_age_is_refused() -> None:
    with pytest.raises(ValueError):
        SessionTokens("short")
    with pytest.raises(ValueError):
        SessionTokens(KEY, max_age=0)


def test_scope_ids_from_urls() -> None:
    assert [scope_id(v) for v in (0, 7, "7", "007")] == [0, 7, 7, 7]
    for bad in (-1, True, "x", "-1", "1.5", "", "٣", "9" * 20, None, 1.0):
        assert scope_id(bad) is None, bad


def test_a_location_names_a_sqlite_file_or_a_postgres_url(tmp_path: Path) -> None:
    d = open_directory(tmp_path / "d.db")
    assert d.path is not None and Path(d.path) == tmp_path / "d.db"
    assert open_directory(d) is d
    # A URL is never taken for a file name: PostgreSQL is asked (here: nobody listens).
    with pytest.raises(rolecall.UnavailableError):
        open_directory("postgresql://nobody@127.0.0.1:1/x")
    with pytest.raises(TypeError):
        open_directory(42)  # type: ignore[arg-type]
    assert not any(p.name.startswith("postgres") for p in Path.cwd().iterdir())


def test_a_handle_opens_once_a_process_and_again_after_fork(tmp_path: Path) -> None:
    handle = DirectoryHandle(str(tmp_path / "d.db"))
    first = handle.get()
    assert handle.get() is first
    with warnings.catch_warnings():  # 3.12+: fork() in a threaded process is deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: a directory of its own
        os._exit(0 if handle.get() is not first and handle.get() is handle.get() else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    given = Directory()
    assert DirectoryHandle(given).get() is given
    with pytest.raises(TypeError):
        DirectoryHandle(None)  # type: ignore[arg-type]


def _as_url(dsn: str) -> str:
    """The test server's key=value connection string as a postgresql:// URL (a Unix socket
    directory as a percent-encoded host)."""
    if dsn.startswith(("postgresql://", "postgres://")):
        return dsn
    kv = dict(part.split("=", 1) for part in dsn.split())
    host = quote(kv.get("host", "localhost"), safe="")
    user = kv.get("user", "postgres")
    return f"postgresql://{user}@{host}:{kv.get('port', '5432')}/{kv.get('dbname', user)}"


def test_a_postgres_url_with_options_opens_that_store(
    pg_dsn: str, pg_schema: Callable[[], str]
) -> None:
    schema = pg_schema()
    handle = DirectoryHandle(_as_url(pg_dsn), {"schema": schema, "poll_interval": 0.2})
    d = handle.get()
    try:
        t = d.create_tenant("Acme", NewUser("Ada", "Root", "ada@acme.test"))
        # The same schema seen through the core's own opening call.
        with Directory.open_postgres(pg_dsn, schema=schema, follow=False) as other:
            assert [x.name for x in other.tenants()] == ["Acme"]
            assert other.tenant(t.tenant).superadmin == t.superadmin
    finally:
        d.close()
    with pytest.raises(TypeError):  # an option the opening call does not take
        DirectoryHandle(_as_url(pg_dsn), {"shema": schema}).get()


@pytest.mark.parametrize(
    "module, framework, extra",
    [
        ("rolecall.fastapi", "fastapi", "rolecall[fastapi]"),
        ("rolecall.flask", "flask_login", "rolecall[flask]"),
        ("rolecall.django", "django", "rolecall[django]"),
    ],
)
def test_a_missing_framework_says_which_extra_to_install(
    module: str, framework: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, framework, None)  # as if it were not installed
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=re.escape(extra)):
        importlib.import_module(module)
