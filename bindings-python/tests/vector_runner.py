"""A runner of the conformance vectors (``tests/vectors/README.md``) through the Python API.

It follows the README step by step, like the Rust runner (``core/tests/vectors.rs``): each file
in a fresh in-memory ``Directory``, steps in order, stopping at a file's first failure; every
key checked; references resolved (raw ids, handles, role / group names in the context tenant);
values handed to the API as the vectors spell them (dotted names, snake_case names), so that the
Python API's own conversions are what is tested; an expected error must leave the revision
unchanged. Answers are compared strictly (``true`` is not ``1``), object answers on the keys the
expectation names.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import rolecall
from rolecall import Directory, RolecallError

ROOT = Path(__file__).resolve().parents[2]

COMMON = {"op", "expect", "note"}

MUTATIONS: Dict[str, Tuple[str, ...]] = {
    "create_tenant": ("name", "superadmin", "presets", "bind", "bind_superadmin"),
    "install_preset": ("preset",),
    "create_user": (
        "first_name", "last_name", "email", "phone", "roles", "scopes", "teams", "grants",
        "groups", "active", "password", "temporary", "bind",
    ),
    "create_users": ("users", "times"),
    "update_user": ("user", "first_name", "last_name", "email", "phone"),
    "set_active": ("user", "active"),
    "delete_user": ("user",),
    "assign_role": ("user", "role"),
    "revoke_role": ("user", "role"),
    "set_user_roles": ("user", "roles"),
    "create_role": ("name", "permissions", "denied", "scoped", "admin_tier", "description", "bind"),
    "update_role": ("role", "name", "permissions", "denied", "description"),
    "delete_role": ("role",),
    "create_group": ("name", "roles", "bind"),
    "rename_group": ("group", "name"),
    "add_group_role": ("group", "role"),
    "remove_group_role": ("group", "role"),
    "add_member": ("group", "user"),
    "add_members": ("group", "users"),
    "remove_member": ("group", "user"),
    "delete_group": ("group",),
    "create_scope": ("kind", "name", "parent", "bind"),
    "move_scope": ("scope", "parent"),
    "delete_scope": ("scope",),
    "delete_scope_moving": ("scope",),
    "grant_role_in_scope": ("user", "role", "scope"),
    "revoke_role_in_scope": ("user", "role", "scope"),
    "set_user_teams": ("user", "teams"),
    "assign_scope": ("user", "scope"),
    "unassign_scope": ("user", "scope"),
    "set_user_scopes": ("user", "scopes"),
    "create_agreement": ("name", "owner", "bind"),
    "set_access_level": ("agreement", "user", "product", "level"),
    "transfer_ownership": ("agreement", "new_owner"),
    "link_pbx_subscriber": ("agreement", "user", "subscriber"),
    "set_tenant_settings": ("strict_agreement_levels", "phone_region"),
    "add_sod_rule": ("name", "first", "second"),
    "remove_sod_rule": ("name",),
    "set_password": ("user", "password", "temporary"),
    "security_stamp": ("user", "bind"),
    "set_password_policy": (
        "min_length", "max_length", "reject_common", "reject_personal", "max_failed_logins",
        "lockout_ms", "reset_token_ttl_ms",
    ),
    "unlock": ("user",),
    "change_password": ("user", "current", "new"),
    "request_password_reset": ("tenant", "email", "bind"),
    "reset_password_with_token": ("tenant", "token", "password"),
    "advance_clock": ("ms",),
    "grant_for": ("user", "grant", "from", "until"),
    "make_eligible": ("user", "role", "scope", "max_ms"),
    "revoke_eligibility": ("user", "role", "scope"),
    "activate": ("user", "role", "scope", "duration_ms", "justification"),
    "end_activation": ("user", "role", "scope"),
    "set_break_glass": ("user", "break_glass"),
}

# Where every run's manual clock starts: ms since the Unix epoch (2027-01-15T08:00:00Z).
CLOCK_START = 1_800_000_000_000

# The keys of one user in ``create_users``.
NEW_USER_KEYS = {
    "first_name", "last_name", "email", "phone", "roles", "scopes", "teams", "grants", "groups",
    "active", "password", "temporary",
}

# Steps listed with the mutations that name no acting user.
NO_ACTOR = {
    "create_tenant",
    "security_stamp",
    "change_password",
    "request_password_reset",
    "reset_password_with_token",
    "advance_clock",
    "activate",
}

# Steps that record a refused attempt (a failed login or a wrong current password counts toward
# the lock), so that an expected error may move the revision.
RECORDS_ATTEMPTS = {"login", "change_password"}

QUERIES: Dict[str, Tuple[str, ...]] = {
    "check": ("user", "permission"),
    "check_scoped": ("user", "permission", "scope"),
    "effective_permissions": ("user",),
    "allowed_scopes": ("user", "permission", "kind"),
    "check_user": ("user", "permission", "target"),
    "get_scope": ("scope",),
    "child_scopes": ("scope",),
    "team_members": ("scope",),
    "search_users_as": ("user", "text", "active_only", "offset", "limit"),
    "get_user_as": ("user", "target"),
    "explain": ("user", "permission"),
    "users_with_permission": ("tenant", "permission", "scope"),
    "access_level": ("agreement", "user", "product"),
    "may_listen_recordings": ("agreement", "user", "subscriber"),
    "may_click_to_call": ("agreement", "user", "subscriber"),
    "pbx_subscriber": ("agreement", "user"),
    "group_members": ("group", "tenant"),
    "group_permissions": ("group", "tenant"),
    "get_user": ("user",),
    "get_role": ("role", "tenant"),
    "get_group": ("group", "tenant"),
    "user_by_email": ("tenant", "email"),
    "search_users": ("tenant", "text", "active_only", "offset", "limit"),
    "tenant_settings": ("tenant",),
    "sod_rules": ("tenant",),
    "sod_violations": ("tenant",),
    "session_valid": ("user", "stamp"),
    "login": ("tenant", "email", "password"),
    "credential_status": ("user",),
    "audit_events": ("tenant", "action", "outcome", "contains"),
    "notifications": (),
    "valid_until": (),
}

_MISSING = object()


class Malformed(Exception):
    """The vector itself is wrong (always a failure, whatever it expects)."""


class _Ctx:
    """The context tenant, computed lazily: failing to find it matters only for a name."""

    def __init__(self, compute: Callable[[], Optional[int]]) -> None:
        self._compute = compute

    def tenant(self) -> int:
        t = self._compute()  # may raise a RolecallError: the step's outcome
        if t is None:
            raise Malformed('a name needs a tenant context (add "tenant")')
        return t


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


class _Args:
    def __init__(self, step: Dict[str, Any]) -> None:
        self.step = step

    def opt(self, k: str) -> Any:
        return self.step.get(k, _MISSING)

    def get(self, k: str) -> Any:
        if k not in self.step:
            raise Malformed(f"missing field {k!r}")
        return self.step[k]

    def text(self, k: str) -> str:
        v = self.get(k)
        if not isinstance(v, str):
            raise Malformed(f"field {k!r} must be a string")
        return v

    def opt_str(self, k: str) -> Optional[str]:
        return None if k not in self.step else self.text(k)

    def bool_or(self, k: str, default: bool) -> bool:
        v = self.step.get(k, default)
        if not isinstance(v, bool):
            raise Malformed(f"field {k!r} must be a boolean")
        return v

    def uint_or(self, k: str, default: int) -> int:
        v = self.step.get(k, default)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise Malformed(f"field {k!r} must be a non-negative integer")
        return v

    def int_(self, k: str) -> int:
        v = self.get(k)
        if not _is_int(v):
            raise Malformed(f"field {k!r} must be an integer")
        return int(v)

    def opt_int(self, k: str) -> Optional[int]:
        """An integer, or None when absent or null."""
        v = self.step.get(k)
        if v is None:
            return None
        if not _is_int(v):
            raise Malformed(f"field {k!r} must be an integer or null")
        return int(v)

    def list_or_empty(self, k: str) -> List[Any]:
        v = self.step.get(k, [])
        if not isinstance(v, list):
            raise Malformed(f"field {k!r} must be an array")
        return v

    def permission(self, k: str) -> str:
        # Handed to the API as the vector spells it: the API resolves dotted names.
        return self.text(k)

    def permissions(self, k: str) -> List[str]:
        names = self.list_or_empty(k)
        if not all(isinstance(n, str) for n in names):
            raise Malformed(f"field {k!r} must hold strings")
        return names


def _same(expected: Any, actual: Any) -> bool:
    """JSON equality: types must match (a bool is not a number), arrays in order."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            _same(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(_same, expected, actual))
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return expected == actual
    return type(expected) is type(actual) and expected == actual


def matches(expected: Any, actual: Any) -> bool:
    """Whether an answer matches its expectation; object answers on the expected keys only."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(k in actual and _same(v, actual[k]) for k, v in expected.items())
    return _same(expected, actual)


class Runner:
    """Replays the steps of one file in a fresh directory on ``clock`` (in memory unless given
    one; a fresh manual clock at ``CLOCK_START`` unless given one)."""

    def __init__(
        self, d: Optional[Directory] = None, clock: Optional[rolecall.ManualClock] = None
    ) -> None:
        self.clock = rolecall.ManualClock(CLOCK_START) if clock is None else clock
        self.d = Directory(clock=self.clock) if d is None else d
        # The cheapest argon2id: the vectors test rules, not the hash's cost.
        self.d.set_hash_params(m_kib=8, t=1, p=1)
        self.tokens: List[str] = []
        self.handles: Dict[str, Tuple[str, int]] = {}
        self.names: Dict[Tuple[str, int], str] = {}

    # ---------------- handles and references ----------------

    def bind(self, handle: Any, kind: str, id_: int) -> None:
        if handle is _MISSING:
            return
        if not isinstance(handle, str):
            raise Malformed("a handle must be a string")
        if handle in self.handles:
            raise Malformed(f"handle {handle!r} is already bound")
        self.handles[handle] = (kind, id_)
        self.names[(kind, id_)] = handle

    def handle_of(self, kind: str, id_: int) -> Any:
        return self.names.get((kind, id_), id_)

    def ref(
        self,
        v: Any,
        kind: str,
        lookup: Optional[Tuple[_Ctx, Callable[[int, str], int]]] = None,
    ) -> int:
        if isinstance(v, int) and not isinstance(v, bool):
            if v < 0 or v > 2**64 - 1:
                raise Malformed(f"raw id {v} must be a non-negative 64-bit integer")
            return v
        if isinstance(v, str):
            bound = self.handles.get(v)
            if bound is not None:
                if bound[0] != kind:
                    raise Malformed(f"handle {v!r} is a {bound[0]}, not a {kind}")
                return bound[1]
            if lookup is not None:
                ctx, find = lookup
                return find(ctx.tenant(), v)
            raise Malformed(f"unbound {kind} handle {v!r}")
        raise Malformed(f"a {kind} reference must be a string or an integer")

    def user(self, v: Any) -> int:
        return self.ref(v, "user")

    def tenant(self, v: Any) -> int:
        return self.ref(v, "tenant")

    def scope(self, v: Any) -> int:
        return self.ref(v, "scope")

    def agreement(self, v: Any) -> int:
        return self.ref(v, "agreement")

    def role(self, v: Any, ctx: _Ctx) -> int:
        return self.ref(v, "role", (ctx, lambda t, n: self.d.role_by_name(t, n).id))

    def group(self, v: Any, ctx: _Ctx) -> int:
        return self.ref(v, "group", (ctx, lambda t, n: self.d.group_by_name(t, n).id))

    def roles(self, vs: List[Any], ctx: _Ctx) -> List[int]:
        return [self.role(v, ctx) for v in vs]

    def role_names(self, roles: Any) -> List[str]:
        return sorted({self.d.role(r).name for r in roles})

    # ---------------- mutations ----------------

    def mutate(self, op: str, a: _Args) -> None:
        d = self.d
        if op == "create_tenant":
            sa = a.get("superadmin")
            if not isinstance(sa, dict):
                raise Malformed('"superadmin" must be an object')
            sa_args = _Args(sa)
            presets = a.list_or_empty("presets")
            if not all(isinstance(p, str) for p in presets):
                raise Malformed("presets must be strings")
            superadmin = rolecall.NewUser(
                sa_args.text("first_name"),
                sa_args.text("last_name"),
                sa_args.text("email"),
                phone=sa_args.opt_str("phone"),
            )
            created = d.create_tenant(a.text("name"), superadmin, presets=presets)
            self.bind(a.opt("bind"), "tenant", created.tenant)
            self.bind(a.opt("bind_superadmin"), "user", created.superadmin)
            return
        if op == "security_stamp":
            stamp = d.security_stamp(self.user(a.get("user")))
            self.bind(a.get("bind"), "stamp", stamp)
            return
        if op == "change_password":
            d.change_password(self.user(a.get("user")), a.text("current"), a.text("new"))
            return
        if op == "advance_clock":
            ms = a.get("ms")
            if not _is_int(ms) or ms < 0:
                raise Malformed('"ms" must be a non-negative integer')
            self.clock.advance(ms)
            return
        if op == "activate":
            u = self.user(a.get("user"))
            uctx = _Ctx(lambda: d.user(u).tenant)
            d.activate(
                u,
                self.role(a.get("role"), uctx),
                a.int_("duration_ms"),
                a.text("justification"),
                scope=self.opt_scope(a, "scope"),
            )
            return
        if op == "request_password_reset":
            issued = d.request_password_reset(self.tenant(a.get("tenant")), a.text("email"))
            if issued is not None:
                self.tokens.append(issued.token)
                self.bind(a.opt("bind"), "token", len(self.tokens) - 1)
            return
        if op == "reset_password_with_token":
            t = self.tenant(a.get("tenant"))
            index = self.ref(a.get("token"), "token")
            if index >= len(self.tokens):
                raise Malformed('"token" must be a token handle')
            d.reset_password_with_token(t, self.tokens[index], a.text("password"))
            return
        actor = self.user(a.get("as"))
        ctx = _Ctx(lambda: d.user(actor).tenant)
        bind = a.opt("bind")
        if op == "install_preset":
            d.install_preset(actor, a.text("preset"))
        elif op == "create_user":
            uid = d.create_user(actor, **self.new_user_fields(a, ctx))
            self.bind(bind, "user", uid)
        elif op == "create_users":
            times = a.uint_or("times", 1)
            users: List[Any] = []
            for copy in range(times):
                for u in a.list_or_empty("users"):
                    if not isinstance(u, dict):
                        raise Malformed('"users" must hold objects')
                    unknown = set(u) - NEW_USER_KEYS
                    if unknown:
                        raise Malformed(f"unknown field {sorted(unknown)[0]!r} in a user of create_users")
                    fields = self.new_user_fields(_Args(u), ctx)
                    fields["email"] = fields["email"].replace("{n}", str(copy))
                    users.append(rolecall.NewUser(**fields))
            d.create_users(actor, users)
        elif op == "update_user":
            changes: Dict[str, Any] = {}
            for k in ("first_name", "last_name", "email"):
                if k in a.step:
                    changes[k] = a.text(k)
            if "phone" in a.step:
                phone = a.step["phone"]
                if phone is not None and not isinstance(phone, str):
                    raise Malformed('"phone" must be a string or null')
                changes["phone"] = phone
            d.update_user(actor, self.user(a.get("user")), **changes)
        elif op == "set_active":
            active = a.get("active")
            if not isinstance(active, bool):
                raise Malformed('"active" must be a boolean')
            d.set_active(actor, self.user(a.get("user")), active)
        elif op == "delete_user":
            d.delete_user(actor, self.user(a.get("user")))
        elif op in ("assign_role", "revoke_role"):
            u, r = self.user(a.get("user")), self.role(a.get("role"), ctx)
            getattr(d, op)(actor, u, r)
        elif op == "set_user_roles":
            u = self.user(a.get("user"))
            d.set_user_roles(actor, u, self.roles(a.list_or_empty("roles"), ctx))
        elif op == "create_role":
            rid = d.create_role(
                actor,
                name=a.text("name"),
                permissions=a.permissions("permissions"),
                denied=a.permissions("denied") if "denied" in a.step else (),
                scoped=a.bool_or("scoped", False),
                admin_tier=a.bool_or("admin_tier", False),
                description=a.text("description") if "description" in a.step else "",
            )
            self.bind(bind, "role", rid)
        elif op == "update_role":
            r = self.role(a.get("role"), ctx)
            kwargs: Dict[str, Any] = {}
            if "name" in a.step:
                kwargs["name"] = a.text("name")
            if "permissions" in a.step:
                kwargs["permissions"] = a.permissions("permissions")
            if "denied" in a.step:
                kwargs["denied"] = a.permissions("denied")
            if "description" in a.step:
                kwargs["description"] = a.text("description")
            d.update_role(actor, r, **kwargs)
        elif op == "delete_role":
            d.delete_role(actor, self.role(a.get("role"), ctx))
        elif op == "create_group":
            roles = self.roles(a.list_or_empty("roles"), ctx)
            gid = d.create_group(actor, a.text("name"), roles)
            self.bind(bind, "group", gid)
        elif op == "rename_group":
            g = self.group(a.get("group"), ctx)
            d.rename_group(actor, g, a.text("name"))
        elif op in ("add_group_role", "remove_group_role"):
            g = self.group(a.get("group"), ctx)
            r = self.role(a.get("role"), ctx)
            getattr(d, op)(actor, g, r)
        elif op in ("add_member", "remove_member"):
            g = self.group(a.get("group"), ctx)
            u = self.user(a.get("user"))
            getattr(d, op)(actor, g, u)
        elif op == "add_members":
            g = self.group(a.get("group"), ctx)
            d.add_members(actor, g, [self.user(u) for u in a.list_or_empty("users")])
        elif op == "delete_group":
            d.delete_group(actor, self.group(a.get("group"), ctx))
        elif op == "create_scope":
            parent = self.opt_scope(a, "parent")
            # The kind is handed over as the vector spells it (any kind name: the API parses it).
            sid = d.create_scope(actor, a.text("kind"), a.text("name"), parent)
            self.bind(bind, "scope", sid)
        elif op == "move_scope":
            d.move_scope(actor, self.scope(a.get("scope")), self.opt_scope(a, "parent"))
        elif op == "delete_scope":
            d.delete_scope(actor, self.scope(a.get("scope")))
        elif op == "delete_scope_moving":
            d.delete_scope_moving(actor, self.scope(a.get("scope")))
        elif op in ("grant_role_in_scope", "revoke_role_in_scope"):
            u, r = self.user(a.get("user")), self.role(a.get("role"), ctx)
            getattr(d, op)(actor, u, r, self.scope(a.get("scope")))
        elif op == "set_user_teams":
            u = self.user(a.get("user"))
            d.set_user_teams(actor, u, [self.scope(v) for v in a.list_or_empty("teams")])
        elif op in ("assign_scope", "unassign_scope"):
            u, s = self.user(a.get("user")), self.scope(a.get("scope"))
            getattr(d, op)(actor, u, s)
        elif op == "set_user_scopes":
            u = self.user(a.get("user"))
            d.set_user_scopes(actor, u, [self.scope(v) for v in a.list_or_empty("scopes")])
        elif op == "create_agreement":
            owner = self.user(a.get("owner"))
            aid = d.create_agreement(actor, a.text("name"), owner)
            self.bind(bind, "agreement", aid)
        elif op == "set_access_level":
            ag, u = self.agreement(a.get("agreement")), self.user(a.get("user"))
            d.set_access_level(actor, ag, u, a.text("product"), a.text("level"))
        elif op == "transfer_ownership":
            ag = self.agreement(a.get("agreement"))
            d.transfer_ownership(actor, ag, self.user(a.get("new_owner")))
        elif op == "link_pbx_subscriber":
            ag, u = self.agreement(a.get("agreement")), self.user(a.get("user"))
            sub = a.get("subscriber")
            if sub is not None and not isinstance(sub, str):
                raise Malformed('"subscriber" must be a string or null')
            d.link_pbx_subscriber(actor, ag, u, sub)
        elif op == "set_tenant_settings":
            region = a.step.get("phone_region")
            if region is not None and not isinstance(region, str):
                raise Malformed('"phone_region" must be a string or null')
            settings = rolecall.TenantSettings(
                strict_agreement_levels=a.bool_or("strict_agreement_levels", False),
                phone_region=region,
            )
            d.set_tenant_settings(actor, settings)
        elif op == "add_sod_rule":
            rule = rolecall.SodRule(a.text("name"), a.permissions("first"), a.permissions("second"))
            d.add_sod_rule(actor, rule)
        elif op == "remove_sod_rule":
            d.remove_sod_rule(actor, a.text("name"))
        elif op == "set_password":
            u = self.user(a.get("user"))
            if "temporary" in a.step:
                d.set_password(actor, u, a.text("password"), temporary=a.bool_or("temporary", True))
            else:
                # Absent, `temporary` keeps the API's own default (rule 21: temporary).
                d.set_password(actor, u, a.text("password"))
        elif op == "set_password_policy":
            policy: Dict[str, Any] = {}
            for k in ("min_length", "max_length", "max_failed_logins", "reset_token_ttl_ms"):
                if k in a.step:
                    policy[k] = a.uint_or(k, 0)
            for k in ("reject_common", "reject_personal"):
                if k in a.step:
                    policy[k] = a.bool_or(k, True)
            if "lockout_ms" in a.step:
                v = a.step["lockout_ms"]
                if v == "until_unlocked":
                    policy["lockout_ms"] = rolecall.PasswordPolicy.UNTIL_UNLOCKED
                elif isinstance(v, int) and not isinstance(v, bool):
                    policy["lockout_ms"] = v
                else:
                    raise Malformed('"lockout_ms" must be an integer or "until_unlocked"')
            d.set_password_policy(actor, rolecall.PasswordPolicy(**policy))
        elif op == "unlock":
            d.unlock(actor, self.user(a.get("user")))
        elif op == "grant_for":
            u = self.user(a.get("user"))
            window = rolecall.Window(a.opt_int("from"), a.opt_int("until"))
            d.grant_for(actor, u, self.timed_grant(a.get("grant"), ctx), window)
        elif op == "make_eligible":
            u = self.user(a.get("user"))
            r = self.role(a.get("role"), ctx)
            d.make_eligible(actor, u, r, a.int_("max_ms"), scope=self.opt_scope(a, "scope"))
        elif op in ("revoke_eligibility", "end_activation"):
            u = self.user(a.get("user"))
            r = self.role(a.get("role"), ctx)
            s = self.opt_scope(a, "scope")
            if op == "revoke_eligibility":
                d.revoke_eligibility(actor, u, r, scope=s)
            else:
                d.end_activation(actor, u, r, scope=s)
        elif op == "set_break_glass":
            on = a.get("break_glass")
            if not isinstance(on, bool):
                raise Malformed('"break_glass" must be a boolean')
            d.set_break_glass(actor, self.user(a.get("user")), on)
        else:
            raise Malformed(f"unknown mutation {op!r}")

    def opt_scope(self, a: _Args, k: str) -> Optional[int]:
        """An optional scope reference: absent or null is None."""
        v = a.step.get(k)
        return None if v is None else self.scope(v)

    def timed_grant(self, v: Any, ctx: _Ctx) -> rolecall.TimedGrant:
        """A grant written as ``{"role": role}``, ``{"scope_role": {"role", "scope"}}``,
        ``{"group": group}``, ``{"scope": scope}``, ``{"level": {"agreement", "product",
        "level"}}`` or ``{"pbx": {"agreement", "subscriber"}}``."""
        if not isinstance(v, dict) or len(v) != 1:
            raise Malformed('"grant" must be an object with one key')
        ((kind, val),) = v.items()

        def obj() -> _Args:
            if not isinstance(val, dict):
                raise Malformed(f'"{kind}" must be an object')
            return _Args(val)

        TG = rolecall.TimedGrant
        if kind == "role":
            return TG.role(self.role(val, ctx))
        if kind == "group":
            return TG.group(self.group(val, ctx))
        if kind == "scope":
            return TG.scope(self.scope(val))
        if kind == "scope_role":
            o = obj()
            return TG.scope_role(self.role(o.get("role"), ctx), self.scope(o.get("scope")))
        if kind == "level":
            o = obj()
            return TG.level(self.agreement(o.get("agreement")), o.text("product"), o.text("level"))
        if kind == "pbx":
            o = obj()
            return TG.pbx(self.agreement(o.get("agreement")), o.text("subscriber"))
        raise Malformed(f"unknown grant kind {kind!r}")

    def assignment_json(self, x: rolecall.Assignment) -> Any:
        """An assignment as ``get_user`` shows it (role names, handles)."""
        d = self.d
        if x.kind == "role":
            return {"role": d.role(x.role).name}
        if x.kind == "scope_role":
            return {"scope_role": {"role": d.role(x.role).name,
                                   "scope": self.handle_of("scope", x.scope)}}
        if x.kind == "group":
            return {"group": self.handle_of("group", x.group)}
        if x.kind == "scope":
            return {"scope": self.handle_of("scope", x.scope)}
        if x.kind == "level":
            assert x.product is not None
            return {"level": {"agreement": self.handle_of("agreement", x.agreement),
                              "product": x.product.value}}
        return {"pbx": self.handle_of("agreement", x.agreement)}

    def grants(self, vs: List[Any], ctx: _Ctx) -> List[rolecall.ScopeGrant]:
        """``[{"role": role, "scope": scope}]`` as ``ScopeGrant``s."""
        out = []
        for g in vs:
            if not isinstance(g, dict) or set(g) != {"role", "scope"}:
                raise Malformed('"grants" must hold {"role", "scope"} objects')
            out.append(rolecall.ScopeGrant(self.role(g["role"], ctx), self.scope(g["scope"])))
        return out

    def new_user_fields(self, a: _Args, ctx: _Ctx) -> Dict[str, Any]:
        """The keyword arguments of a user of ``create_user`` or of ``create_users``' list."""
        fields: Dict[str, Any] = {
            "first_name": a.text("first_name"),
            "last_name": a.text("last_name"),
            "email": a.text("email"),
            "phone": a.opt_str("phone"),
            "roles": self.roles(a.list_or_empty("roles"), ctx),
            "scopes": [self.scope(s) for s in a.list_or_empty("scopes")],
            "teams": [self.scope(s) for s in a.list_or_empty("teams")],
            "grants": self.grants(a.list_or_empty("grants"), ctx),
            "groups": [self.group(g, ctx) for g in a.list_or_empty("groups")],
            "active": a.bool_or("active", True),
            "password": a.opt_str("password"),
        }
        # Absent, `temporary` keeps the API's own default (rule 21: temporary).
        if "temporary" in a.step:
            fields["temporary"] = a.bool_or("temporary", True)
        return fields

    # ---------------- queries ----------------

    def query(self, op: str, a: _Args) -> Any:
        d = self.d

        def context() -> Optional[int]:
            if "tenant" in a.step:
                return self.tenant(a.step["tenant"])
            if "user" in a.step:
                return d.user(self.user(a.step["user"])).tenant
            return None

        ctx = _Ctx(context)

        def users(ids: List[int]) -> List[Any]:
            return [self.handle_of("user", u) for u in ids]

        if op == "check":
            return d.check(self.user(a.get("user")), a.permission("permission"))
        if op == "check_scoped":
            u, p = self.user(a.get("user")), a.permission("permission")
            return d.check_scoped(u, p, self.scope(a.get("scope")))
        if op == "effective_permissions":
            return d.effective_permissions(self.user(a.get("user"))).names()
        if op == "allowed_scopes":
            u, p = self.user(a.get("user")), a.permission("permission")
            access = d.allowed_scopes(u, p, a.opt_str("kind"))
            if access.is_all:
                return "all"
            return [self.handle_of("scope", s) for s in sorted(access.scopes)]
        if op == "explain":
            u, p = self.user(a.get("user")), a.permission("permission")
            e = d.explain(u, p)
            pairs = [
                (g.role_name, self.handle_of("scope", g.scope))
                for g in e.grants
                if g.scope is not None
            ]
            # As the Rust runner sorts them: role name, then the scope as JSON text.
            pairs.sort(key=lambda rs: (rs[0], json.dumps(rs[1], ensure_ascii=False)))
            return {
                "allowed": e.allowed,
                "roles": sorted({g.role_name for g in e.grants}),
                "scope_grants": [{"role": r, "scope": s} for r, s in pairs],
                "superadmin": e.superadmin,
                "inactive": e.inactive,
                "denied_by": sorted({g.role_name for g in e.denied_by}),
            }
        if op == "check_user":
            u, p = self.user(a.get("user")), a.permission("permission")
            return d.check_user(u, p, self.user(a.get("target")))
        if op == "get_scope":
            sc = d.scope(self.scope(a.get("scope")))
            kind = sc.kind
            return {
                "name": sc.name,
                "kind": kind if isinstance(kind, str) else kind.value,
                "parent": None if sc.parent is None else self.handle_of("scope", sc.parent),
            }
        if op == "child_scopes":
            return [self.handle_of("scope", s) for s in d.child_scopes(self.scope(a.get("scope")))]
        if op == "team_members":
            return users(d.team_members(self.scope(a.get("scope"))))
        if op == "search_users_as":
            text = a.opt_str("text")
            active_only = a.bool_or("active_only", False)
            offset, limit = a.uint_or("offset", 0), a.uint_or("limit", 50)
            page = d.search_users_as(
                self.user(a.get("user")),
                text,
                active_only=active_only,
                offset=offset,
                limit=limit,
            )
            return {"total": page.total, "users": users([u.id for u in page])}
        if op == "get_user_as":
            return self.user_json(d.user_as(self.user(a.get("user")), self.user(a.get("target"))))
        if op == "users_with_permission":
            t = self.tenant(a.get("tenant"))
            p = a.permission("permission")
            s = None if "scope" not in a.step else self.scope(a.step["scope"])
            return users(d.users_with_permission(t, p, s))
        if op == "access_level":
            ag, u = self.agreement(a.get("agreement")), self.user(a.get("user"))
            return d.access_level(ag, u, a.text("product")).value
        if op in ("may_listen_recordings", "may_click_to_call"):
            ag, u = self.agreement(a.get("agreement")), self.user(a.get("user"))
            return getattr(d, op)(ag, u, a.text("subscriber"))
        if op == "pbx_subscriber":
            ag = self.agreement(a.get("agreement"))
            return d.pbx_subscriber(ag, self.user(a.get("user")))
        if op == "group_members":
            return users(d.group_members(self.group(a.get("group"), ctx)))
        if op == "group_permissions":
            return d.group_permissions(self.group(a.get("group"), ctx)).names()
        if op == "get_user":
            return self.user_json(d.user(self.user(a.get("user"))))
        if op == "get_role":
            r = d.role(self.role(a.get("role"), ctx))
            return {
                "name": r.name,
                "permissions": r.permissions.names(),
                "denied": r.denied.names(),
                "scoped": r.scoped,
                "admin_tier": r.admin_tier,
                "preset": None if r.preset is None else r.preset.value,
                "namespace": r.namespace,
            }
        if op == "get_group":
            g = d.group(self.group(a.get("group"), ctx))
            return {"name": g.name, "roles": self.role_names(g.roles)}
        if op == "user_by_email":
            t = self.tenant(a.get("tenant"))
            return self.handle_of("user", d.user_by_email(t, a.text("email")).id)
        if op == "search_users":
            text = a.opt_str("text")
            active_only = a.bool_or("active_only", False)
            offset, limit = a.uint_or("offset", 0), a.uint_or("limit", 50)
            page = d.search_users(
                self.tenant(a.get("tenant")),
                text,
                active_only=active_only,
                offset=offset,
                limit=limit,
            )
            return {"total": page.total, "users": users([u.id for u in page])}
        if op == "sod_rules":
            return [
                {"name": r.name, "first": r.first.names(), "second": r.second.names()}
                for r in d.sod_rules(self.tenant(a.get("tenant")))
            ]
        if op == "sod_violations":
            return [
                {"rule": v.rule, "user": self.handle_of("user", v.user)}
                for v in d.sod_violations(self.tenant(a.get("tenant")))
            ]
        if op == "tenant_settings":
            ts = d.tenant_settings(self.tenant(a.get("tenant")))
            return {
                "strict_agreement_levels": ts.strict_agreement_levels,
                "phone_region": ts.phone_region,
            }
        if op == "session_valid":
            u = self.user(a.get("user"))
            return d.session_valid(u, self.ref(a.get("stamp"), "stamp"))
        if op == "login":
            t = self.tenant(a.get("tenant"))
            s = d.login(t, a.text("email"), a.text("password"))
            return {
                "user": self.handle_of("user", s.user),
                "must_change_password": s.must_change_password,
            }
        if op == "credential_status":
            cs = d.credential_status(self.user(a.get("user")))
            return {
                "has_password": cs.has_password,
                "must_change": cs.must_change,
                "failed_logins": cs.failed_logins,
                "locked": cs.locked_until is not None,
            }
        if op == "audit_events":
            t = self.tenant(a.get("tenant"))
            action, outcome = a.opt_str("action"), a.opt_str("outcome")
            needle = _ascii_lower(a.opt_str("contains") or "")
            offset, containing = 0, 0
            while True:
                page = d.audit_events(
                    tenant=t, action=action, outcome=outcome, offset=offset, limit=1000
                )
                for e in page:
                    texts = (e.detail, e.before, e.after)
                    if any(x is not None and needle in _ascii_lower(x) for x in texts):
                        containing += 1
                offset += len(page)
                if len(page) == 0 or offset >= page.total:
                    return {"total": page.total, "containing": containing}
        if op == "notifications":
            return [
                {"kind": n.kind, "user": self.handle_of("user", n.user)}
                for n in d.drain_notifications()
            ]
        if op == "valid_until":
            return d.snapshot().valid_until
        raise Malformed(f"unknown query {op!r}")


    def user_json(self, rec: rolecall.User) -> Dict[str, Any]:
        """A user as ``get_user`` answers (``get_user_as`` too)."""
        d = self.d
        return {
            "first_name": rec.first_name,
            "last_name": rec.last_name,
            "email": rec.email,
            "phone": rec.phone,
            "active": rec.active,
            "roles": self.role_names(rec.roles),
            "groups": [self.handle_of("group", g) for g in d.user_groups(rec.id)],
            "scopes": [self.handle_of("scope", s) for s in sorted(rec.scopes)],
            "teams": [self.handle_of("scope", s) for s in sorted(rec.teams)],
            # In the user's order: role id, then scope id.
            "grants": [
                {"role": d.role(g.role).name, "scope": self.handle_of("scope", g.scope)}
                for g in sorted(rec.grants, key=lambda g: (g.role, g.scope))
            ],
            "windows": [
                {"assignment": self.assignment_json(x), "from": w.from_ms, "until": w.until_ms}
                for x, w in rec.windows
            ],
            "eligible": [
                {
                    "role": d.role(el.role).name,
                    "scope": None if el.scope is None else self.handle_of("scope", el.scope),
                    "max_ms": el.max_ms,
                }
                for el in rec.eligible
            ],
            "break_glass": rec.break_glass,
        }


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def _ascii_lower(s: str) -> str:
    """Lowercases ASCII letters only, as the Rust and C runners do."""
    return s.translate(_ASCII_LOWER)


def _expectation(step: Dict[str, Any], query: bool) -> Tuple[str, Any]:
    """("error", kind) or ("ok", expected answer or _MISSING)."""
    exp = step.get("expect", _MISSING)
    if isinstance(exp, dict) and len(exp) == 1 and "error" in exp:
        if not isinstance(exp["error"], str):
            raise Malformed('"error" must be a string')
        return ("error", exp["error"])
    if query:
        if exp is _MISSING:
            raise Malformed('a query needs "expect"')
        return ("ok", exp)
    if exp is _MISSING or exp == "ok":
        return ("ok", _MISSING)
    raise Malformed(f'a mutation expects "ok" or {{"error": kind}}, not {json.dumps(exp)}')


def run_step(r: Runner, step: Any) -> Optional[str]:
    """Runs one step; returns a failure message, or None when it behaved as expected."""
    try:
        if not isinstance(step, dict):
            raise Malformed("a step must be an object")
        op = step.get("op")
        if not isinstance(op, str):
            raise Malformed('a step needs "op" (a string)')
        if op in QUERIES:
            query, own = True, QUERIES[op]
        elif op in MUTATIONS:
            query, own = False, MUTATIONS[op]
        else:
            raise Malformed(f"unknown op {op!r}")
        has_actor = not query and op not in NO_ACTOR
        for k in step:
            if not (k in COMMON or k in own or (has_actor and k == "as")):
                raise Malformed(f"unknown field {k!r} for {op}")
        outcome, expected = _expectation(step, query)
        before = r.d.revision
        a = _Args(step)
        try:
            if query:
                answer = r.query(op, a)
            else:
                r.mutate(op, a)
                answer = None
        except RolecallError as e:
            if outcome == "error" and e.kind == expected:
                after = r.d.revision
                if after != before and op not in RECORDS_ATTEMPTS:
                    return (
                        f"failed as expected ({expected}) but the revision changed "
                        f"from {before} to {after}"
                    )
                return None
            if outcome == "error":
                return f"expected error {expected}, got error {e.kind} ({e})"
            return f"expected success, got error {e.kind} ({e})"
        if outcome == "error":
            shown = "" if answer is None else f" answering {json.dumps(answer)}"
            return f"expected error {expected}, got success{shown}"
        if query and not matches(expected, answer):
            return f"expected {json.dumps(expected)}, got {json.dumps(answer)}"
        return None
    except Malformed as m:
        return f"malformed step: {m}"


def run_file(
    name: str,
    text: str,
    open_directory: Optional[Callable[[rolecall.ManualClock], Directory]] = None,
) -> Tuple[int, Optional[str]]:
    """Replays one vector file in a fresh directory on a fresh manual clock reading
    ``CLOCK_START`` (``open_directory(clock)``, else in memory); returns the number of steps and
    the failure, if any."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        return 0, f"{name}: not valid JSON: {e}"
    steps = doc.get("steps") if isinstance(doc, dict) else None
    if not isinstance(steps, list):
        return 0, f'{name}: needs a "steps" array'
    header_ok = (
        isinstance(doc.get("title"), str)
        and isinstance(doc.get("source"), str)
        and set(doc) <= {"title", "source", "description", "steps"}
    )
    if not header_ok or not steps:
        return 0, (
            f'{name}: needs "title" and "source" strings, at least one step and no other '
            'field than "description"'
        )
    clock = rolecall.ManualClock(CLOCK_START)
    r = Runner(None if open_directory is None else open_directory(clock), clock)
    for i, step in enumerate(steps):
        failure = run_step(r, step)
        if failure is not None:
            op = step.get("op", "?") if isinstance(step, dict) else "?"
            note = step.get("note") if isinstance(step, dict) else None
            shown = f" [note: {note}]" if isinstance(note, str) else ""
            skipped = len(steps) - i - 1
            return len(steps), (
                f"{name} step {i} ({op}): {failure}{shown} ({skipped} later steps not run)"
            )
    return len(steps), None


def vector_files() -> List[Path]:
    """Every ``*.json`` of ``tests/vectors``, or of the directory (or the one file) named by
    ``ROLECALL_VECTORS`` (absolute or relative to the workspace root), in name order."""
    env = os.environ.get("ROLECALL_VECTORS")
    if env:
        p = ROOT / env
        if p.is_file():
            return [p]
        base = p
    else:
        base = ROOT / "tests" / "vectors"
    return sorted(base.glob("*.json"))
