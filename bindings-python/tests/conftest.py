"""Shared fixtures of the rolecall test suite."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

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
