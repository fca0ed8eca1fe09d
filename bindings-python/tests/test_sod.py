"""Separation of duty from Python (``SodRule``, ``Directory.add_sod_rule`` / ``remove_sod_rule``
/ ``sod_rules`` / ``sod_violations``, ``SeparationOfDutyError``). The core decides; these tests
only drive it."""

from __future__ import annotations

import pickle
from typing import Tuple

import pytest

import rolecall
from rolecall import Directory, NewUser, Permission, SodRule, TenantSettings

BILLING = Permission.BILLING_MANAGE
AUDIT = Permission.LOGS_VIEW


def _acme() -> Tuple[Directory, int, int, int, int]:
    """A tenant with a billing and an audit role; returns the directory, tenant, root, roles."""
    d = Directory()
    t = d.create_tenant("Acme", NewUser("Ada", "Root", "root@acme.test"))
    billing = d.create_role(t.superadmin, name="Billing", permissions=[BILLING, "billing.view"])
    audit = d.create_role(t.superadmin, name="Audit", permissions="logs.view")
    return d, t.tenant, t.superadmin, billing, audit


def test_sod_rule_is_a_frozen_value() -> None:
    r = SodRule("billing vs audit", BILLING, ["logs.view"])
    assert r.name == "billing vs audit" and r.first == BILLING and r.second == AUDIT
    assert r == SodRule("billing vs audit", "billing.manage", AUDIT)
    assert hash(r) == hash(SodRule("billing vs audit", "billing.manage", AUDIT))
    assert "billing vs audit" in repr(r)
    with pytest.raises(AttributeError):
        r.name = "x"  # type: ignore[misc]
    with pytest.raises(rolecall.UnknownPermissionError):
        SodRule("x", "no.such", AUDIT)


def test_declaring_reports_existing_violators_and_grants_are_refused() -> None:
    d, tenant, root, billing, audit = _acme()
    vic = d.create_user(root, first_name="Vic", last_name="B", email="vic@acme.test",
                        roles=[billing, audit])
    bea = d.create_user(root, first_name="Bea", last_name="B", email="bea@acme.test",
                        roles=[billing])
    assert d.add_sod_rule(root, SodRule("billing vs audit", BILLING, AUDIT)) == [vic]
    assert d.sod_rules(tenant) == [SodRule("billing vs audit", BILLING, AUDIT)]
    [v] = d.sod_violations(tenant)
    assert (v.rule, v.user) == ("billing vs audit", vic)
    assert d.check(vic, AUDIT)  # an existing violator keeps its access
    rev = d.revision
    with pytest.raises(rolecall.SeparationOfDutyError) as e:
        d.assign_role(root, bea, audit)
    assert isinstance(e.value, rolecall.ConflictError)
    assert (e.value.code, e.value.kind) == (307, "separation_of_duty")
    assert (e.value.rule, e.value.email) == ("billing vs audit", "bea@acme.test")
    assert "billing vs audit" in str(e.value) and "bea@acme.test" in str(e.value)
    assert d.revision == rev
    again = pickle.loads(pickle.dumps(e.value))
    assert (type(again), again.rule, again.email) == (rolecall.SeparationOfDutyError,
                                                       "billing vs audit", "bea@acme.test")
    g = d.create_group(root, "Auditors", roles=[audit])
    with pytest.raises(rolecall.SeparationOfDutyError):
        d.add_member(root, g, bea)
    d.remove_sod_rule(root, "BILLING VS AUDIT")
    d.add_member(root, g, bea)
    assert d.sod_rules(tenant) == []
    with pytest.raises(rolecall.NotFoundError) as missing:
        d.remove_sod_rule(root, "billing vs audit")
    assert missing.value.kind == "unknown_sod_rule"


def test_bad_rules_and_other_actors_are_refused() -> None:
    d, tenant, root, billing, _ = _acme()
    ann = d.create_user(root, first_name="Ann", last_name="A", email="ann@acme.test",
                        roles=[billing])
    with pytest.raises(rolecall.PermissionDeniedError) as e:
        d.add_sod_rule(ann, SodRule("r", BILLING, AUDIT))
    assert e.value.kind == "superadmin_only"
    with pytest.raises(rolecall.InvalidInputError) as e2:
        d.add_sod_rule(root, SodRule("r", [], AUDIT))
    assert e2.value.kind == "empty_permission"
    with pytest.raises(rolecall.InvalidInputError) as e3:
        d.add_sod_rule(root, SodRule("r", BILLING | AUDIT, AUDIT))
    assert e3.value.kind == "invalid_argument"
    assert d.sod_rules(tenant) == []


def test_tenant_settings_keep_the_rules() -> None:
    d, tenant, root, _, _ = _acme()
    d.add_sod_rule(root, SodRule("billing vs audit", BILLING, AUDIT))
    d.set_tenant_settings(root, TenantSettings(strict_agreement_levels=True))
    assert d.tenant_settings(tenant) == TenantSettings(strict_agreement_levels=True)
    assert [r.name for r in d.sod_rules(tenant)] == ["billing vs audit"]
