"""Replays the conformance vectors (tests/vectors/README.md) through the Python bindings that
uniffi-bindgen generated from librolecall (module `rolecall_uniffi`): the uniffi surface that
Kotlin and Swift see too, tested like the Rust, Python and C APIs.

Each file in a fresh in-memory Directory, steps in order, stopping at a file's first failure;
every key checked; references resolved (raw ids, handles, role / group names in the context
tenant); an expected error must leave the revision unchanged. Answers are compared strictly
(`true` is not `1`), object answers on the keys the expectation names.

Not carried: the uniffi API is typed where the vectors spell enumerations as strings (presets,
products, access levels). A vector string that names no member ("crm", "CORE") cannot be
handed to the typed API at all; such a step must expect the core's refusal of that name
(`unknown_preset`, `unknown_product`, `unknown_access_level`), and is counted and listed as not
carried rather than run. Any other step that the typed API cannot express is a failure. Scope
kinds are carried: `scope_kind_from_name` turns any kind name into a `ScopeKind` (a built-in
variant or `Custom(name)`) and refuses an invalid one with the core's `invalid_argument`.

Usage: python3 uniffi_vectors.py DIR [VECTORS]
  DIR holds rolecall_uniffi.py and librolecall.so; VECTORS is a directory of *.json files or one
  file (default: tests/vectors). Prints one line per file, the steps not carried and a summary;
  exits 1 on any failure.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

sys.path.insert(0, sys.argv[1])

import rolecall_uniffi as rc  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
COMMON = {"op", "expect", "note"}
MISSING = object()

MUTATIONS: Dict[str, Tuple[str, ...]] = {
    "create_tenant": ("name", "superadmin", "presets", "bind", "bind_superadmin"),
    "install_preset": ("preset",),
    "create_user": ("first_name", "last_name", "email", "phone", "roles", "scopes", "teams",
                    "grants", "groups", "active", "password", "temporary", "bind"),
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
    "set_password_policy": ("min_length", "max_length", "reject_common", "reject_personal",
                            "max_failed_logins", "lockout_ms", "reset_token_ttl_ms"),
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
NEW_USER_KEYS = {"first_name", "last_name", "email", "phone", "roles", "scopes", "teams",
                 "grants", "groups", "active", "password", "temporary"}
NO_ACTOR = {"create_tenant", "security_stamp", "change_password", "request_password_reset",
            "reset_password_with_token", "advance_clock", "activate"}
# A refused attempt is recorded (it counts toward the lock): the revision may move.
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

# The uniffi enumerations the vectors spell as strings, and the core's refusal of a string that
# names none of their members.
ENUMS = {
    "preset": (rc.Preset, "unknown_preset"),
    "product": (rc.Product, "unknown_product"),
    "level": (rc.AccessLevel, "unknown_access_level"),
}

# The lock that lasts until an administrator unlocks (`PasswordPolicy::UNTIL_UNLOCKED`).
UNTIL_UNLOCKED = 2**63 - 1


class Malformed(Exception):
    """The vector itself is wrong (always a failure, whatever it expects)."""


class NotCarried(Exception):
    """A vector value the typed uniffi API cannot express; `refusal` is the core's kind."""

    def __init__(self, reason: str, refusal: str) -> None:
        super().__init__(reason)
        self.refusal = refusal


def member(field: str, name: Any) -> Any:
    """The enum member whose snake_case name (the core's stable name) is `name`."""
    enum, refusal = ENUMS[field]
    if not isinstance(name, str):
        raise Malformed(f'"{field}" must be a string')
    for m in enum:
        if m.name.lower() == name:
            return m
    raise NotCarried(f"{enum.__name__} has no member named {json.dumps(name)}", refusal)


def stable_name(m: Any) -> str:
    return m.name.lower()


class Args:
    def __init__(self, step: Dict[str, Any]) -> None:
        self.step = step

    def opt(self, k: str) -> Any:
        return self.step.get(k, MISSING)

    def get(self, k: str) -> Any:
        if k not in self.step:
            raise Malformed(f"missing field {json.dumps(k)}")
        return self.step[k]

    def text(self, k: str) -> str:
        v = self.get(k)
        if not isinstance(v, str):
            raise Malformed(f"field {json.dumps(k)} must be a string")
        return v

    def opt_str(self, k: str) -> Optional[str]:
        return None if k not in self.step else self.text(k)

    def nullable_str(self, k: str) -> Optional[str]:
        v = self.get(k)
        if v is not None and not isinstance(v, str):
            raise Malformed(f"field {json.dumps(k)} must be a string or null")
        return v

    def flag(self, k: str, default: bool) -> bool:
        v = self.step.get(k, default)
        if not isinstance(v, bool):
            raise Malformed(f"field {json.dumps(k)} must be a boolean")
        return v

    def uint(self, k: str, default: int) -> int:
        v = self.step.get(k, default)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise Malformed(f"field {json.dumps(k)} must be a non-negative integer")
        return v

    def int_(self, k: str) -> int:
        v = self.get(k)
        if not is_int(v):
            raise Malformed(f"field {json.dumps(k)} must be an integer")
        return int(v)

    def opt_int(self, k: str) -> Optional[int]:
        """An integer, or None when absent or null."""
        v = self.step.get(k)
        if v is None:
            return None
        if not is_int(v):
            raise Malformed(f"field {json.dumps(k)} must be an integer or null")
        return int(v)

    def items(self, k: str) -> List[Any]:
        v = self.step.get(k, [])
        if not isinstance(v, list):
            raise Malformed(f"field {json.dumps(k)} must be an array")
        return v

    def names(self, k: str) -> List[str]:
        v = self.items(k)
        if not all(isinstance(n, str) for n in v):
            raise Malformed(f"field {json.dumps(k)} must hold strings")
        return v


def same(expected: Any, actual: Any) -> bool:
    """JSON equality: types must match (a bool is not a number), arrays in order."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(same(v, actual[k])
                                                        for k, v in expected.items())
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(same, expected, actual))
    return type(expected) is type(actual) and expected == actual


def matches(expected: Any, actual: Any) -> bool:
    """Object answers match on the expected keys only."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(k in actual and same(v, actual[k]) for k, v in expected.items())
    return same(expected, actual)


def compact(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"))


class Runner:
    """Replays the steps of one file in a fresh in-memory directory on a manual clock."""

    def __init__(self) -> None:
        self.clock = rc.ManualClock(CLOCK_START)
        self.d = rc.Directory.in_memory_with_clock(self.clock)
        self.d.set_hash_params(8, 1, 1)  # the cheapest argon2id: vectors test rules
        self.tokens: List[str] = []
        self.handles: Dict[str, Tuple[str, int]] = {}
        self.names: Dict[Tuple[str, int], str] = {}

    # ---- handles and references

    def bind(self, handle: Any, kind: str, id_: int) -> None:
        if handle is MISSING:
            return
        if not isinstance(handle, str):
            raise Malformed("a handle must be a string")
        if handle in self.handles:
            raise Malformed(f"handle {json.dumps(handle)} is already bound")
        self.handles[handle] = (kind, id_)
        self.names[(kind, id_)] = handle

    def handle_of(self, kind: str, id_: int) -> Any:
        return self.names.get((kind, id_), id_)

    def ref(self, v: Any, kind: str, find: Optional[Callable[[str], int]] = None) -> int:
        if isinstance(v, int) and not isinstance(v, bool):
            if v < 0 or v > 2**64 - 1:
                raise Malformed(f"raw id {v} must be a non-negative 64-bit integer")
            return v
        if isinstance(v, str):
            bound = self.handles.get(v)
            if bound is not None:
                if bound[0] != kind:
                    raise Malformed(f"handle {json.dumps(v)} is a {bound[0]}, not a {kind}")
                return bound[1]
            if find is not None:
                return find(v)
            raise Malformed(f"unbound {kind.capitalize()} handle {json.dumps(v)}")
        raise Malformed(f"a {kind} reference must be a string or an integer")

    def user(self, v: Any) -> int:
        return self.ref(v, "user")

    def tenant(self, v: Any) -> int:
        return self.ref(v, "tenant")

    def scope(self, v: Any) -> int:
        return self.ref(v, "scope")

    def agreement(self, v: Any) -> int:
        return self.ref(v, "agreement")

    def role(self, v: Any, ctx: Callable[[], Optional[int]]) -> int:
        return self.ref(v, "role", lambda n: self.d.role_by_name(in_tenant(ctx), n).id)

    def group(self, v: Any, ctx: Callable[[], Optional[int]]) -> int:
        return self.ref(v, "group", lambda n: self.d.group_by_name(in_tenant(ctx), n).id)

    def roles(self, vs: List[Any], ctx: Callable[[], Optional[int]]) -> List[int]:
        return [self.role(v, ctx) for v in vs]

    def scope_grant(self, g: Any, ctx: Callable[[], Optional[int]]) -> Any:
        if not isinstance(g, dict):
            raise Malformed('"grants" must hold {"role", "scope"} objects')
        ga = Args(g)
        return rc.ScopeGrant(role=self.role(ga.get("role"), ctx), scope=self.scope(ga.get("scope")))

    def opt_scope(self, a: Args, k: str) -> Optional[int]:
        """An optional scope reference: absent or null is None."""
        v = a.opt(k)
        return None if v is MISSING or v is None else self.scope(v)

    def user_json(self, u: Any) -> Dict[str, Any]:
        """A user as `get_user` answers (teams in id order, grants in the record's order)."""
        return {"first_name": u.first_name, "last_name": u.last_name, "email": u.email,
                "phone": u.phone, "active": u.active, "roles": self.role_names(u.roles),
                "groups": [self.handle_of("group", g) for g in self.d.user_groups(u.id)],
                "scopes": [self.handle_of("scope", s) for s in u.scopes],
                "teams": [self.handle_of("scope", s) for s in u.teams],
                "grants": [{"role": self.d.role(g.role).name,
                            "scope": self.handle_of("scope", g.scope)} for g in u.grants],
                "windows": [{"assignment": self.assignment_json(w.assignment),
                             "from": w.window.from_ms, "until": w.window.until_ms}
                            for w in u.windows],
                "eligible": [{"role": self.d.role(e.role).name,
                              "scope": None if e.scope is None else self.handle_of("scope", e.scope),
                              "max_ms": e.max_ms} for e in u.eligible],
                "break_glass": u.break_glass}

    def assignment_json(self, x: Any) -> Any:
        """An assignment as `get_user` shows it (role names, handles)."""
        A = rc.Assignment
        if isinstance(x, A.ROLE):
            return {"role": self.d.role(x.role).name}
        if isinstance(x, A.SCOPE_ROLE):
            return {"scope_role": {"role": self.d.role(x.role).name,
                                   "scope": self.handle_of("scope", x.scope)}}
        if isinstance(x, A.GROUP):
            return {"group": self.handle_of("group", x.group)}
        if isinstance(x, A.SCOPE):
            return {"scope": self.handle_of("scope", x.scope)}
        if isinstance(x, A.LEVEL):
            return {"level": {"agreement": self.handle_of("agreement", x.agreement),
                              "product": stable_name(x.product)}}
        return {"pbx": self.handle_of("agreement", x.agreement)}

    def timed_grant(self, v: Any, ctx: Callable[[], Optional[int]]) -> Any:
        """A grant written as `{"role": role}`, `{"scope_role": {"role", "scope"}}`,
        `{"group": group}`, `{"scope": scope}`, `{"level": {"agreement", "product", "level"}}`
        or `{"pbx": {"agreement", "subscriber"}}`."""
        if not isinstance(v, dict) or len(v) != 1:
            raise Malformed('"grant" must be an object with one key')
        ((kind, val),) = v.items()

        def obj() -> Args:
            if not isinstance(val, dict):
                raise Malformed(f'"{kind}" must be an object')
            return Args(val)

        G = rc.TimedGrant
        if kind == "role":
            return G.ROLE(role=self.role(val, ctx))
        if kind == "group":
            return G.GROUP(group=self.group(val, ctx))
        if kind == "scope":
            return G.SCOPE(scope=self.scope(val))
        if kind == "scope_role":
            o = obj()
            return G.SCOPE_ROLE(role=self.role(o.get("role"), ctx), scope=self.scope(o.get("scope")))
        if kind == "level":
            o = obj()
            return G.LEVEL(agreement=self.agreement(o.get("agreement")),
                           product=member("product", o.get("product")),
                           level=member("level", o.get("level")))
        if kind == "pbx":
            o = obj()
            return G.PBX(agreement=self.agreement(o.get("agreement")),
                         subscriber=o.text("subscriber"))
        raise Malformed(f"unknown grant kind {json.dumps(kind)}")

    def role_names(self, roles: List[int]) -> List[str]:
        return sorted({self.d.role(r).name for r in roles})

    def new_user(self, a: Args, ctx: Callable[[], Optional[int]], copy: int = 0) -> Any:
        fields: Dict[str, Any] = dict(
            first_name=a.text("first_name"),
            last_name=a.text("last_name"),
            email=a.text("email").replace("{n}", str(copy)),
            phone=a.opt_str("phone"),
            roles=self.roles(a.items("roles"), ctx),
            scopes=[self.scope(v) for v in a.items("scopes")],
            teams=[self.scope(v) for v in a.items("teams")],
            grants=[self.scope_grant(g, ctx) for g in a.items("grants")],
            groups=[self.group(v, ctx) for v in a.items("groups")],
            active=a.flag("active", True),
            password=a.opt_str("password"),
        )
        # Absent, `temporary` keeps the binding's own default (rule 21: temporary).
        if "temporary" in a.step:
            fields["temporary"] = a.flag("temporary", True)
        return rc.NewUser(**fields)

    # ---- mutations

    def mutate(self, op: str, a: Args) -> None:
        d = self.d
        if op == "create_tenant":
            sa = a.get("superadmin")
            if not isinstance(sa, dict):
                raise Malformed('"superadmin" must be an object')
            s = Args(sa)
            superadmin = rc.NewUser(first_name=s.text("first_name"), last_name=s.text("last_name"),
                                    email=s.text("email"), phone=s.opt_str("phone"), roles=[],
                                    active=True, password=None)
            presets = [member("preset", p) for p in a.names("presets")]
            created = d.create_tenant(a.text("name"), superadmin, presets)
            self.bind(a.opt("bind"), "tenant", created.tenant)
            self.bind(a.opt("bind_superadmin"), "user", created.superadmin)
            return
        if op == "security_stamp":
            self.bind(a.get("bind"), "stamp", d.security_stamp(self.user(a.get("user"))))
            return
        if op == "change_password":
            d.change_password(self.user(a.get("user")), a.text("current"), a.text("new"))
            return
        if op == "request_password_reset":
            issued = d.request_password_reset(self.tenant(a.get("tenant")), a.text("email"))
            if issued is not None:
                self.tokens.append(issued.token)
                self.bind(a.opt("bind"), "token", len(self.tokens) - 1)
            return
        if op == "reset_password_with_token":
            t = self.tenant(a.get("tenant"))
            token = self.tokens[self.ref(a.get("token"), "token")]
            d.reset_password_with_token(t, token, a.text("password"))
            return
        if op == "advance_clock":
            ms = a.get("ms")
            if not is_int(ms) or ms < 0:
                raise Malformed('"ms" must be a non-negative integer')
            self.clock.advance(ms)
            return
        if op == "activate":
            u = self.user(a.get("user"))
            role = self.role(a.get("role"), lambda: d.user(u).tenant)
            d.activate(u, role, self.opt_scope(a, "scope"), a.int_("duration_ms"),
                       a.text("justification"))
            return
        actor = self.user(a.get("as"))

        def ctx() -> Optional[int]:
            return d.user(actor).tenant

        bind = a.opt("bind")
        if op == "install_preset":
            d.install_preset(actor, member("preset", a.get("preset")))
        elif op == "create_user":
            self.bind(bind, "user", d.create_user(actor, self.new_user(a, ctx)))
        elif op == "create_users":
            users = []
            for copy in range(a.uint("times", 1)):
                for u in a.items("users"):
                    if not isinstance(u, dict):
                        raise Malformed('"users" must hold objects')
                    unknown = sorted(set(u) - NEW_USER_KEYS)
                    if unknown:
                        raise Malformed(f"unknown field {json.dumps(unknown[0])} "
                                        "in a user of create_users")
                    users.append(self.new_user(Args(u), ctx, copy))
            d.create_users(actor, users)
        elif op == "update_user":
            phone = a.nullable_str("phone") if "phone" in a.step else None
            patch = rc.UserPatch(first_name=a.opt_str("first_name"),
                                 last_name=a.opt_str("last_name"), email=a.opt_str("email"),
                                 phone=phone, remove_phone="phone" in a.step and phone is None)
            d.update_user(actor, self.user(a.get("user")), patch)
        elif op == "set_active":
            active = a.get("active")
            if not isinstance(active, bool):
                raise Malformed('"active" must be a boolean')
            d.set_active(actor, self.user(a.get("user")), active)
        elif op == "delete_user":
            d.delete_user(actor, self.user(a.get("user")))
        elif op in ("assign_role", "revoke_role"):
            getattr(d, op)(actor, self.user(a.get("user")), self.role(a.get("role"), ctx))
        elif op == "set_user_roles":
            d.set_user_roles(actor, self.user(a.get("user")), self.roles(a.items("roles"), ctx))
        elif op == "create_role":
            role = rc.NewRole(name=a.text("name"), permissions=a.names("permissions"),
                              scoped=a.flag("scoped", False),
                              admin_tier=a.flag("admin_tier", False),
                              description=a.opt_str("description") or "",
                              denied=a.names("denied"))
            self.bind(bind, "role", d.create_role(actor, role))
        elif op == "update_role":
            r = self.role(a.get("role"), ctx)
            perms = a.names("permissions") if "permissions" in a.step else None
            denied = a.names("denied") if "denied" in a.step else None
            patch = rc.RolePatch(name=a.opt_str("name"), permissions=perms,
                                 description=a.opt_str("description"), denied=denied)
            d.update_role(actor, r, patch)
        elif op == "delete_role":
            d.delete_role(actor, self.role(a.get("role"), ctx))
        elif op == "create_group":
            roles = self.roles(a.items("roles"), ctx)
            self.bind(bind, "group", d.create_group(actor, a.text("name"), roles))
        elif op == "rename_group":
            d.rename_group(actor, self.group(a.get("group"), ctx), a.text("name"))
        elif op in ("add_group_role", "remove_group_role"):
            g = self.group(a.get("group"), ctx)
            getattr(d, op)(actor, g, self.role(a.get("role"), ctx))
        elif op in ("add_member", "remove_member"):
            g = self.group(a.get("group"), ctx)
            getattr(d, op)(actor, g, self.user(a.get("user")))
        elif op == "add_members":
            g = self.group(a.get("group"), ctx)
            d.add_members(actor, g, [self.user(u) for u in a.items("users")])
        elif op == "delete_group":
            d.delete_group(actor, self.group(a.get("group"), ctx))
        elif op == "create_scope":
            kind = rc.scope_kind_from_name(a.text("kind"))
            name, parent = a.text("name"), self.opt_scope(a, "parent")
            if parent is None:
                self.bind(bind, "scope", d.create_scope(actor, kind, name))
            else:
                self.bind(bind, "scope", d.create_scope_under(actor, parent, kind, name))
        elif op == "move_scope":
            parent = self.opt_scope(a, "parent")
            d.move_scope(actor, self.scope(a.get("scope")), parent)
        elif op == "delete_scope":
            d.delete_scope(actor, self.scope(a.get("scope")))
        elif op == "delete_scope_moving":
            d.delete_scope_moving(actor, self.scope(a.get("scope")))
        elif op in ("grant_role_in_scope", "revoke_role_in_scope"):
            u, r = self.user(a.get("user")), self.role(a.get("role"), ctx)
            getattr(d, op)(actor, u, r, self.scope(a.get("scope")))
        elif op == "set_user_teams":
            teams = [self.scope(v) for v in a.items("teams")]
            d.set_user_teams(actor, self.user(a.get("user")), teams)
        elif op in ("assign_scope", "unassign_scope"):
            getattr(d, op)(actor, self.user(a.get("user")), self.scope(a.get("scope")))
        elif op == "set_user_scopes":
            scopes = [self.scope(v) for v in a.items("scopes")]
            d.set_user_scopes(actor, self.user(a.get("user")), scopes)
        elif op == "create_agreement":
            owner = self.user(a.get("owner"))
            self.bind(bind, "agreement", d.create_agreement(actor, a.text("name"), owner))
        elif op == "set_access_level":
            ag, u = self.agreement(a.get("agreement")), self.user(a.get("user"))
            product, level = member("product", a.get("product")), member("level", a.get("level"))
            d.set_access_level(actor, ag, u, product, level)
        elif op == "transfer_ownership":
            ag = self.agreement(a.get("agreement"))
            d.transfer_ownership(actor, ag, self.user(a.get("new_owner")))
        elif op == "link_pbx_subscriber":
            ag, u = self.agreement(a.get("agreement")), self.user(a.get("user"))
            d.link_pbx_subscriber(actor, ag, u, a.nullable_str("subscriber"))
        elif op == "set_tenant_settings":
            region = a.nullable_str("phone_region") if "phone_region" in a.step else None
            settings = rc.TenantSettings(
                strict_agreement_levels=a.flag("strict_agreement_levels", False),
                phone_region=region)
            d.set_tenant_settings(actor, settings)
        elif op == "add_sod_rule":
            rule = rc.SodRule(name=a.text("name"), first=a.names("first"),
                              second=a.names("second"))
            d.add_sod_rule(actor, rule)
        elif op == "remove_sod_rule":
            d.remove_sod_rule(actor, a.text("name"))
        elif op == "set_password":
            u, password = self.user(a.get("user")), a.text("password")
            if "temporary" in a.step:
                d.set_password(actor, u, password, a.flag("temporary", True))
            else:
                # Absent, `temporary` keeps the binding's own default (rule 21: temporary).
                d.set_password(actor, u, password)
        elif op == "set_password_policy":
            # Fields absent from the step keep the core's defaults.
            policy = rc.default_password_policy()
            for k in ("min_length", "max_length", "max_failed_logins", "reset_token_ttl_ms"):
                if k in a.step:
                    setattr(policy, k, a.uint(k, 0))
            for k in ("reject_common", "reject_personal"):
                if k in a.step:
                    setattr(policy, k, a.flag(k, True))
            if "lockout_ms" in a.step:
                v = a.step["lockout_ms"]
                if v == "until_unlocked":
                    policy.lockout_ms = UNTIL_UNLOCKED
                elif isinstance(v, int) and not isinstance(v, bool):
                    policy.lockout_ms = v
                else:
                    raise Malformed('"lockout_ms" must be an integer or "until_unlocked"')
            d.set_password_policy(actor, policy)
        elif op == "unlock":
            d.unlock(actor, self.user(a.get("user")))
        elif op == "grant_for":
            u = self.user(a.get("user"))
            window = rc.Window(from_ms=a.opt_int("from"), until_ms=a.opt_int("until"))
            d.grant_for(actor, u, self.timed_grant(a.get("grant"), ctx), window)
        elif op == "make_eligible":
            u = self.user(a.get("user"))
            d.make_eligible(actor, u, self.role(a.get("role"), ctx), self.opt_scope(a, "scope"),
                            a.int_("max_ms"))
        elif op in ("revoke_eligibility", "end_activation"):
            u = self.user(a.get("user"))
            role = self.role(a.get("role"), ctx)
            call = d.revoke_eligibility if op == "revoke_eligibility" else d.end_activation
            call(actor, u, role, self.opt_scope(a, "scope"))
        elif op == "set_break_glass":
            on = a.get("break_glass")
            if not isinstance(on, bool):
                raise Malformed('"break_glass" must be a boolean')
            d.set_break_glass(actor, self.user(a.get("user")), on)
        else:
            raise Malformed(f"unknown mutation {json.dumps(op)}")

    # ---- queries

    def query(self, op: str, a: Args) -> Any:
        d = self.d

        def ctx() -> Optional[int]:
            if "tenant" in a.step:
                return self.tenant(a.step["tenant"])
            if "user" in a.step:
                return d.user(self.user(a.step["user"])).tenant
            return None

        def users(ids: List[int]) -> List[Any]:
            return [self.handle_of("user", u) for u in ids]

        if op == "check":
            return d.check(self.user(a.get("user")), a.text("permission"))
        if op == "check_scoped":
            u, p = self.user(a.get("user")), a.text("permission")
            return d.check_scoped(u, p, self.scope(a.get("scope")))
        if op == "effective_permissions":
            return d.effective_permissions(self.user(a.get("user")))
        if op == "allowed_scopes":
            u, p = self.user(a.get("user")), a.text("permission")
            kind = a.opt_str("kind")
            if kind is None:
                access = d.allowed_scopes(u, p)
            else:
                access = d.allowed_scopes_of_kind(u, p, rc.scope_kind_from_name(kind))
            if access.is_all():
                return "all"
            return [self.handle_of("scope", s) for s in access.scopes]
        if op == "explain":
            e = d.explain(self.user(a.get("user")), a.text("permission"))
            # Sorted as the Rust runner sorts: role name, then the scope's JSON text.
            rows = sorted(((g.role_name, self.handle_of("scope", g.scope)) for g in e.grants
                           if g.scope is not None),
                          key=lambda rs: (rs[0], json.dumps(rs[1], ensure_ascii=False)))
            return {"allowed": e.allowed, "roles": sorted({g.role_name for g in e.grants}),
                    "scope_grants": [{"role": r, "scope": s} for r, s in rows],
                    "superadmin": e.superadmin, "inactive": e.inactive,
                    "denied_by": sorted({g.role_name for g in e.denied_by})}
        if op == "check_user":
            u, p = self.user(a.get("user")), a.text("permission")
            return d.check_user(u, p, self.user(a.get("target")))
        if op == "get_scope":
            sc = d.scope(self.scope(a.get("scope")))
            parent = None if sc.parent is None else self.handle_of("scope", sc.parent)
            return {"name": sc.name, "kind": rc.scope_kind_name(sc.kind), "parent": parent}
        if op == "child_scopes":
            return [self.handle_of("scope", s) for s in d.child_scopes(self.scope(a.get("scope")))]
        if op == "team_members":
            return users(d.team_members(self.scope(a.get("scope"))))
        if op == "search_users_as":
            q = rc.UserQuery(text=a.opt_str("text"), active_only=a.flag("active_only", False),
                             offset=a.uint("offset", 0), limit=a.uint("limit", 50))
            page = d.search_users_as(self.user(a.get("user")), q)
            return {"total": page.total, "users": users([u.id for u in page.items])}
        if op == "get_user_as":
            u = d.user_as(self.user(a.get("user")), self.user(a.get("target")))
            return self.user_json(u)
        if op == "users_with_permission":
            t, p = self.tenant(a.get("tenant")), a.text("permission")
            s = self.scope(a.step["scope"]) if "scope" in a.step else None
            return users(d.users_with_permission(t, p, s))
        if op == "access_level":
            ag, u = self.agreement(a.get("agreement")), self.user(a.get("user"))
            return stable_name(d.access_level(ag, u, member("product", a.get("product"))))
        if op in ("may_listen_recordings", "may_click_to_call"):
            ag, u = self.agreement(a.get("agreement")), self.user(a.get("user"))
            return getattr(d, op)(ag, u, a.text("subscriber"))
        if op == "pbx_subscriber":
            return d.pbx_subscriber(self.agreement(a.get("agreement")), self.user(a.get("user")))
        if op == "group_members":
            return users(d.group_members(self.group(a.get("group"), ctx)))
        if op == "group_permissions":
            return d.group_permissions(self.group(a.get("group"), ctx))
        if op == "get_user":
            return self.user_json(d.user(self.user(a.get("user"))))
        if op == "get_role":
            r = d.role(self.role(a.get("role"), ctx))
            # A built-in role's namespace is its preset's name; a custom role's is "custom".
            presets = {stable_name(p) for p in rc.Preset}
            return {"name": r.name, "permissions": r.permissions, "denied": r.denied,
                    "scoped": r.scoped,
                    "admin_tier": r.admin_tier, "namespace": r.namespace,
                    "preset": r.namespace if r.namespace in presets else None}
        if op == "get_group":
            g = d.group(self.group(a.get("group"), ctx))
            return {"name": g.name, "roles": self.role_names(g.roles)}
        if op == "user_by_email":
            u = d.user_by_email(self.tenant(a.get("tenant")), a.text("email"))
            return self.handle_of("user", u.id)
        if op == "search_users":
            q = rc.UserQuery(text=a.opt_str("text"), active_only=a.flag("active_only", False),
                             offset=a.uint("offset", 0), limit=a.uint("limit", 50))
            page = d.search_users(self.tenant(a.get("tenant")), q)
            return {"total": page.total, "users": users([u.id for u in page.items])}
        if op == "sod_rules":
            return [{"name": r.name, "first": r.first, "second": r.second}
                    for r in d.sod_rules(self.tenant(a.get("tenant")))]
        if op == "sod_violations":
            return [{"rule": v.rule, "user": self.handle_of("user", v.user)}
                    for v in d.sod_violations(self.tenant(a.get("tenant")))]
        if op == "tenant_settings":
            ts = d.tenant_settings(self.tenant(a.get("tenant")))
            return {"strict_agreement_levels": ts.strict_agreement_levels,
                    "phone_region": ts.phone_region}
        if op == "session_valid":
            return d.session_valid(self.user(a.get("user")), self.ref(a.get("stamp"), "stamp"))
        if op == "login":
            s = d.login(self.tenant(a.get("tenant")), a.text("email"), a.text("password"))
            return {"user": self.handle_of("user", s.user),
                    "must_change_password": s.must_change_password}
        if op == "credential_status":
            cs = d.credential_status(self.user(a.get("user")))
            return {"has_password": cs.has_password, "must_change": cs.must_change,
                    "failed_logins": cs.failed_logins, "locked": cs.locked_until is not None}
        if op == "audit_events":
            t = self.tenant(a.get("tenant"))
            action, outcome = a.opt_str("action"), a.opt_str("outcome")
            needle = ascii_lower(a.opt_str("contains") or "")
            offset, containing = 0, 0
            while True:
                q = rc.AuditQuery(tenant=t, actor=None, target_kind=None, target_id=None,
                                  action=action, outcome=outcome, since=None, until=None,
                                  offset=offset, limit=1000)
                page = d.audit_events(q)
                for e in page.items:
                    texts = (e.detail, e.before, e.after)
                    if any(x is not None and needle in ascii_lower(x) for x in texts):
                        containing += 1
                offset += len(page.items)
                if not page.items or offset >= page.total:
                    return {"total": page.total, "containing": containing}
        if op == "notifications":
            return [{"kind": notification_kind(n), "user": self.handle_of("user", n.user)}
                    for n in d.drain_notifications()]
        if op == "valid_until":
            return d.snapshot().valid_until()
        raise Malformed(f"unknown query {json.dumps(op)}")


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def notification_kind(n: Any) -> str:
    """The core's kind name of a notification (`grant_expired`, ...): its variant in
    snake_case."""
    for variant in ("EMAIL_CHANGED", "PASSWORD_RESET_REQUESTED", "ACCOUNT_LOCKED",
                    "GRANT_EXPIRED", "ACTIVATED", "BREAK_GLASS_USED"):
        if isinstance(n, getattr(rc.Notification, variant)):
            return variant.lower()
    raise Malformed(f"a notification of no known kind: {n!r}")


def in_tenant(ctx: Callable[[], Optional[int]]) -> int:
    t = ctx()  # may raise RolecallError: the step's outcome
    if t is None:
        raise Malformed('a name needs a tenant context (add "tenant")')
    return t


def ascii_lower(s: str) -> str:
    """Lowercases ASCII letters only, as the Rust and C runners do."""
    return s.translate({c: c + 32 for c in range(ord("A"), ord("Z") + 1)})


def expectation(step: Dict[str, Any], query: bool) -> Tuple[str, Any]:
    """("error", kind) or ("ok", expected answer or MISSING)."""
    exp = step.get("expect", MISSING)
    if isinstance(exp, dict) and len(exp) == 1 and "error" in exp:
        if not isinstance(exp["error"], str):
            raise Malformed('"error" must be a string')
        return ("error", exp["error"])
    if query:
        if exp is MISSING:
            raise Malformed('a query needs "expect"')
        return ("ok", exp)
    if exp is MISSING or exp == "ok":
        return ("ok", MISSING)
    raise Malformed(f'a mutation expects "ok" or {{"error": kind}}, not {compact(exp)}')


class Skip(Exception):
    """A step not carried (see the module's doc), with its reason."""


def run_step(r: Runner, step: Any) -> Optional[str]:
    """Runs one step; returns a failure message, None when it behaved as expected, or raises
    Skip for a step the typed API cannot carry."""
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
            raise Malformed(f"unknown op {json.dumps(op)}")
        has_actor = not query and op not in NO_ACTOR
        for k in step:
            if not (k in COMMON or k in own or (has_actor and k == "as")):
                raise Malformed(f"unknown field {json.dumps(k)} for {op}")
        outcome, expected = expectation(step, query)
        before = r.d.revision()
        a = Args(step)
        try:
            answer = r.query(op, a) if query else r.mutate(op, a)
        except rc.RolecallError.Refused as e:
            if outcome == "error" and e.kind == expected:
                after = r.d.revision()
                if after != before and op not in RECORDS_ATTEMPTS:
                    return (f"failed as expected ({expected}) but the revision changed "
                            f"from {before} to {after}")
                return None
            if outcome == "error":
                return f"expected error {expected}, got error {e.kind} ({e.message})"
            return f"expected success, got error {e.kind} ({e.message})"
        except NotCarried as n:
            if outcome == "error" and expected == n.refusal:
                raise Skip(f"{n}; expects {expected}")
            return f"the typed uniffi API cannot express this step: {n}"
        if outcome == "error":
            shown = "" if answer is None else f" answering {compact(answer)}"
            return f"expected error {expected}, got success{shown}"
        if query and not matches(expected, answer):
            return f"expected {compact(expected)}, got {compact(answer)}"
        return None
    except Malformed as m:
        return f"malformed step: {m}"
    except (TypeError, ValueError, IndexError) as e:
        return f"the bindings rejected the step: {type(e).__name__}: {e}"


def run_file(path: Path, skipped: List[str]) -> Tuple[int, Optional[str]]:
    """Replays one file; returns its number of steps and its failure, if any."""
    name = f"{path.parent.name}/{path.name}"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        return 0, f"{name}: not valid JSON: {e}"
    steps = doc.get("steps") if isinstance(doc, dict) else None
    if (not isinstance(steps, list) or not steps or not isinstance(doc.get("title"), str)
            or not isinstance(doc.get("source"), str)
            or not set(doc) <= {"title", "source", "description", "steps"}):
        return 0, (f'{name}: needs "title" and "source" strings, at least one step in "steps" '
                   'and no other field than "description"')
    r = Runner()
    for i, step in enumerate(steps):
        op = step.get("op", "?") if isinstance(step, dict) else "?"
        try:
            failure = run_step(r, step)
        except Skip as s:
            skipped.append(f"{name} step {i} ({op}): {s}")
            continue
        if failure is not None:
            note = step.get("note") if isinstance(step, dict) else None
            shown = f" [note: {note}]" if isinstance(note, str) else ""
            return len(steps), (f"{name} step {i} ({op}): {failure}{shown} "
                                f"({len(steps) - i - 1} later steps not run)")
    return len(steps), None


def main() -> int:
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "tests" / "vectors"
    files = [target] if target.is_file() else sorted(target.glob("*.json"))
    if not files:
        print(f"no vectors found in {target}")
        return 1
    total, skipped, failures = 0, [], []
    for path in files:
        before = len(skipped)
        n, failure = run_file(path, skipped)
        total += n
        if failure is not None:
            failures.append(failure)
        print(f"{path.name}: {n} steps ({len(skipped) - before} not carried)")
    for s in skipped:
        print(f"not carried: {s}")
    for f in failures:
        print(f"FAILED {f}")
    carried = total - len(skipped)
    print(f"uniffi-vectors: {len(files) - len(failures)} passed, {len(failures)} failed "
          f"({total} steps: {carried} replayed, {len(skipped)} not carried)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
