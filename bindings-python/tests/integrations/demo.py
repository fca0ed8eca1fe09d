"""The directory every integration test app authorizes against: one tenant, a user per case."""

from __future__ import annotations

from dataclasses import dataclass

from rolecall import Directory, NewUser, Permission, Preset

PASSWORD = "violet kettle on the moon"


@dataclass(frozen=True)
class Demo:
    tenant: int
    root: int
    operator: int  # olga: Operator (campaigns.control everywhere)
    viewer: int  # vera: Viewer (campaigns.view, not campaigns.control)
    lead: int  # sam: Campaign lead of the Spring campaign only
    operator_role: int
    spring: int
    autumn: int


def seed(d: Directory, tenant_name: str = "Acme") -> Demo:
    d.set_hash_params(m_kib=256, t=1, p=1)  # tests only
    t = d.create_tenant(
        tenant_name, NewUser("Ada", "Root", "ada@acme.test"), presets=[Preset.MANAGERS]
    )
    root = t.superadmin
    operator = d.role_by_name(t.tenant, "Operator").id
    viewer = d.role_by_name(t.tenant, "Viewer").id
    lead_role = d.create_role(
        root,
        name="Campaign lead",
        permissions=Permission.CAMPAIGNS_VIEW | Permission.CAMPAIGNS_CONTROL,
        scoped=True,
    )
    spring = d.create_scope(root, "campaign", "Spring")
    autumn = d.create_scope(root, "campaign", "Autumn")

    def user(first: str, roles: list[int]) -> int:
        return d.create_user(
            root,
            first_name=first,
            last_name="Test",
            email=f"{first.lower()}@acme.test",
            roles=roles,
            password=PASSWORD,
            temporary=False,
        )

    olga, vera, sam = user("Olga", [operator]), user("Vera", [viewer]), user("Sam", [])
    d.grant_role_in_scope(root, sam, lead_role, spring)
    return Demo(t.tenant, root, olga, vera, sam, operator, spring, autumn)
