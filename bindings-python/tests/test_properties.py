"""Properties (hypothesis): conversions round-trip and the batch agrees with single checks."""

from __future__ import annotations

from typing import List

from hypothesis import given, settings
from hypothesis import strategies as st

from rolecall import Directory, NewUser, Permission

MEMBERS = list(Permission)
perm_sets = st.lists(st.sampled_from(MEMBERS), unique=True)


@given(perm_sets)
def test_permission_sets_round_trip(members: List[Permission]) -> None:
    p = Permission(0)
    for m in members:
        p |= m
    names = [m.dotted_name or "" for m in MEMBERS if m in members]
    assert p.names() == names
    assert Permission.from_names(names) == p
    assert Permission.parse(str(p)) == p if members else str(p) == "(none)"
    assert Permission(int(p)) == p
    assert all((m in p) == (m in members) for m in MEMBERS)


_DIR = Directory()
_T = _DIR.create_tenant("Props", NewUser("P", "Root", "root@props.test"))
_ROOT = _T.superadmin


@settings(max_examples=60, deadline=None)
@given(perm_sets, st.lists(st.sampled_from(MEMBERS), min_size=1, max_size=20))
def test_a_role_grants_exactly_its_permissions(
    granted: List[Permission], asked: List[Permission]
) -> None:
    d, root = _DIR, _ROOT
    role = d.create_role(root, name=f"R{d.revision}", permissions=granted)
    user = d.create_user(root, first_name="U", last_name="X", email=f"u{d.revision}@props.test",
                         roles=[role])
    held = Permission(0)
    for m in granted:
        held |= m
    assert d.effective_permissions(user) == held
    singles = [d.check(user, p) for p in asked]
    assert singles == [p in granted for p in asked]
    assert d.check_many([user] * len(asked), asked) == singles
    users = [user, root, 10**9]
    for p in asked[:3]:
        assert d.check_many(users, p) == [d.check(u, p) for u in users]
        assert d.check_many(users, p, as_bytes=True) == bytes(d.check(u, p) for u in users)
