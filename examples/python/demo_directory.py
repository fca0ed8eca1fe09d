"""The directory the example web apps (django_app, fastapi_app, flask_app) authorize against:
a SQLite file created with demo users on first run, opened as it is afterwards.

Users of tenant "Acme" (password for all: ``violet kettle on the moon``):

- olga@acme.test: Operator (starts and stops every campaign)
- vera@acme.test: Viewer (sees campaigns, controls none)
- sam@acme.test: Campaign lead of the "Spring" campaign only (a scoped grant)
- ada@acme.test: the tenant's superadministrator
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Optional

from rolecall import Directory, NewUser, Permission, Preset

PASSWORD = "violet kettle on the moon"
TENANT = "Acme"


@dataclass(frozen=True)
class Demo:
    """The demo directory and what the apps need to know about it."""

    directory: Directory
    tenant: int
    root: int
    campaigns: dict[str, int]  # campaign name -> scope id


def default_path(app: str) -> str:
    """Where an example keeps its directory unless told (``ROLECALL_DIRECTORY``)."""
    return os.environ.get("ROLECALL_DIRECTORY") or os.path.join(
        tempfile.gettempdir(), f"rolecall-{app}-example.db"
    )


def open_demo(path: str, *, fast_hashing: bool = False) -> Demo:
    """Opens (creating and filling on first run) the demo directory at ``path``."""
    d = Directory(path)
    if fast_hashing:  # for smoke tests only: the default is argon2id m=19 MiB, t=2
        d.set_hash_params(m_kib=256, t=1, p=1)
    tenant: Optional[int] = next((t.id for t in d.tenants() if t.name == TENANT), None)
    if tenant is None:
        tenant = _fill(d)
    root = d.tenant(tenant).superadmin
    campaigns = {s.name: s.id for s in d.scopes(tenant) if str(s.kind) == "campaign"}
    return Demo(d, tenant, root, campaigns)


def _fill(d: Directory) -> int:
    acme = d.create_tenant(
        TENANT,
        NewUser("Ada", "Root", "ada@acme.test", password=PASSWORD, temporary=False),
        presets=[Preset.MANAGERS],
    )
    root = acme.superadmin
    lead = d.create_role(
        root,
        name="Campaign lead",
        permissions=Permission.CAMPAIGNS_VIEW | Permission.CAMPAIGNS_CONTROL,
        scoped=True,
    )
    spring = d.create_scope(root, "campaign", "Spring")
    d.create_scope(root, "campaign", "Autumn")
    for first, role in (("Olga", "Operator"), ("Vera", "Viewer"), ("Sam", None)):
        roles = [d.role_by_name(acme.tenant, role)] if role else []
        d.create_user(
            root,
            first_name=first,
            last_name="Demo",
            email=f"{first.lower()}@acme.test",
            roles=roles,
            password=PASSWORD,
            temporary=False,
        )
    sam = d.user_by_email(acme.tenant, "sam@acme.test")
    d.grant_role_in_scope(root, sam, lead, spring)
    print(f"created the demo directory (users olga, vera, sam @acme.test; password {PASSWORD!r})")
    return acme.tenant
