"""Shared fixtures of the rolecall test suite."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest
from hypothesis import settings

# No example database on disk: runs are reproducible from the seed hypothesis prints.
settings.register_profile("rolecall", database=None)
settings.load_profile("rolecall")

# The vector runner is a helper module of this directory.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rolecall import Directory, NewUser, Preset  # noqa: E402


@dataclass
class Acme:
    """A tenant with the managers preset (000) and a few users."""

    d: Directory
    tenant: int
    root: int
    roles: Dict[str, int]

    def user(self, first: str, *roles: str, active: bool = True) -> int:
        return self.d.create_user(
            self.root,
            first_name=first,
            last_name="Test",
            email=f"{first.lower()}@acme.test",
            roles=[self.roles[r] for r in roles],
            active=active,
        )


@pytest.fixture
def d() -> Directory:
    return Directory()


@pytest.fixture
def acme(d: Directory) -> Acme:
    t = d.create_tenant("Acme", NewUser("Ada", "Root", "root@acme.test"), presets=[Preset.MANAGERS])
    roles = {r.name: r.id for r in d.roles(t.tenant)}
    return Acme(d, t.tenant, t.superadmin, roles)


@pytest.fixture
def other(d: Directory) -> Acme:
    """A second tenant in the same directory."""
    t = d.create_tenant("Other", NewUser("Otto", "Root", "root@other.test"), presets=["managers"])
    roles = {r.name: r.id for r in d.roles(t.tenant)}
    return Acme(d, t.tenant, t.superadmin, roles)


# ---------------- PostgreSQL: a real server, never a mock ----------------

ROOT = Path(__file__).resolve().parents[2]
PG_ENV = "ROLECALL_TEST_PG"


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """The connection string of the test server: ``ROLECALL_TEST_PG`` when set (the test
    script starts one throwaway cluster for the whole run), else a throwaway cluster started
    here with ``scripts/pg-cluster.sh`` (installing PostgreSQL when missing) and stopped at the
    end of the session (its watchdog stops it too if this process dies)."""
    given = os.environ.get(PG_ENV, "").strip()
    if given:
        yield given
        return
    script = ROOT / "scripts" / "pg-cluster.sh"
    cluster = Path(tempfile.mkdtemp(prefix="rolecall-pg-py-"))
    try:
        out = subprocess.run(
            ["bash", str(script), "start", str(cluster), str(os.getpid())],
            check=True,
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        yield out.stdout.strip()
    finally:
        subprocess.run(["bash", str(script), "stop", str(cluster)], check=False)


def _psql() -> str:
    """A psql client (for dropping test schemas: the library never drops anything)."""
    found = shutil.which("psql") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), reverse=True)), None
    )
    assert found, "psql not found (it comes with PostgreSQL's client package)"
    return found


_schema_counter = itertools.count()


@pytest.fixture
def pg_schema(pg_dsn: str) -> Iterator[Callable[[], str]]:
    """A factory of fresh schema names (each test works in schemas of its own, so tests share
    one server); every schema made is dropped at the end of the test."""
    made: List[str] = []

    def new() -> str:
        name = f"py_{os.getpid()}_{next(_schema_counter)}"
        made.append(name)
        return name

    yield new
    if made:
        drops = "SET client_min_messages = warning; " + "; ".join(
            f'DROP SCHEMA IF EXISTS "{n}" CASCADE' for n in made
        )
        subprocess.run(
            [_psql(), "-q", "-v", "ON_ERROR_STOP=1", "-c", drops, pg_dsn],
            check=True,
            stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
