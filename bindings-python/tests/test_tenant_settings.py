"""Tenant settings from Python (``TenantSettings``, ``Directory.set_tenant_settings`` /
``tenant_settings``) and the settled rules they switch: the strict reading of 002 is a tenant
option, off by default. The core decides; these tests only drive it."""

from __future__ import annotations

import pytest

import rolecall
from rolecall import AccessLevel, Directory, NewUser, Preset, Product, TenantSettings


def test_tenant_settings_is_a_frozen_value_with_the_core_defaults() -> None:
    s = TenantSettings()
    assert s.strict_agreement_levels is False and s.phone_region is None
    t = TenantSettings(strict_agreement_levels=True, phone_region="FR")
    assert t.strict_agreement_levels is True and t.phone_region == "FR"
    assert t == TenantSettings(strict_agreement_levels=True, phone_region="FR")
    assert hash(t) == hash(TenantSettings(strict_agreement_levels=True, phone_region="FR"))
    assert t != s
    assert repr(t) == "TenantSettings(strict_agreement_levels=True, phone_region='FR')"
    with pytest.raises(AttributeError):
        t.strict_agreement_levels = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        TenantSettings(True)  # type: ignore[misc]  # keyword-only


def test_only_the_superadministrator_sets_them_and_bad_values_change_nothing() -> None:
    d = Directory()
    t = d.create_tenant("Acme", NewUser("Ada", "Root", "root@acme.test"), presets=[Preset.MANAGERS])
    admin_role = d.role_by_name(t.tenant, "Admin").id
    ann = d.create_user(
        t.superadmin, first_name="Ann", last_name="A", email="ann@acme.test", roles=[admin_role]
    )
    assert d.tenant_settings(t.tenant) == TenantSettings()
    with pytest.raises(rolecall.PermissionDeniedError) as e:
        d.set_tenant_settings(ann, TenantSettings(strict_agreement_levels=True))
    assert e.value.kind == "superadmin_only"
    rev = d.revision
    with pytest.raises(rolecall.InvalidInputError) as bad:
        d.set_tenant_settings(t.superadmin, TenantSettings(phone_region="france"))
    assert bad.value.kind == "invalid_argument"
    assert d.revision == rev
    d.set_tenant_settings(t.superadmin, TenantSettings(strict_agreement_levels=True))
    assert d.tenant_settings(t.tenant).strict_agreement_levels is True
    with pytest.raises(rolecall.NotFoundError):
        d.tenant_settings(999_999)


def test_strict_agreement_levels_cap_grants_at_the_actors_own_level() -> None:
    d = Directory()
    t = d.create_tenant("Co", NewUser("Cora", "Root", "root@co.test"))
    root = t.superadmin

    def mk(name: str) -> int:
        return d.create_user(root, first_name=name, last_name="X", email=f"{name}@co.test")

    owen, ada, uma = mk("owen"), mk("ada"), mk("uma")
    ag = d.create_agreement(root, "Agreement 1", owen)
    d.set_access_level(owen, ag, ada, Product.CORE, AccessLevel.ADMINISTRATOR)
    # 002 as written (the default): whatever ada's own level on Chatbots (none).
    d.set_access_level(ada, ag, uma, Product.CHATBOTS, AccessLevel.USER)
    d.set_tenant_settings(root, TenantSettings(strict_agreement_levels=True))
    with pytest.raises(rolecall.PermissionDeniedError) as e:
        d.set_access_level(ada, ag, uma, Product.TELEPHONY, AccessLevel.USER)
    assert e.value.kind == "level_not_grantable"
    # The superadministrator acts with Owner powers on every agreement (settled rule 3).
    d.set_access_level(root, ag, uma, Product.TELEPHONY, AccessLevel.ADMINISTRATOR)
    assert d.access_level(ag, uma, Product.TELEPHONY) is AccessLevel.ADMINISTRATOR
