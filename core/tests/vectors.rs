//! Replays the language-neutral conformance vectors of `tests/vectors/*.json` (format:
//! `tests/vectors/README.md`) through the public [`rolecall::Directory`] API. The Python and C
//! suites replay the same files through their own APIs; every language must give the same
//! answers. A file added to the directory is picked up without code changes.

mod pg;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rolecall::{
    AccessLevel, AgreementId, Assignment, AuditQuery, Directory, Error, GroupId, HashParams,
    ManualClock, MemoryStore, NewRole, NewUser, PasswordPolicy, Permission, Preset, Product,
    RoleId, RolePatch, ScopeAccess, ScopeGrant, ScopeId, ScopeKind, SodRule, TenantId,
    TenantSettings, TimedGrant, UserId, UserPatch, UserQuery, Window,
};
use serde_json::{json, Map, Value};

// ============================ the format ============================

/// Keys every step may carry.
const COMMON: &[&str] = &["op", "expect", "note"];

/// Mutations: their own keys (besides `op`, `as`, `expect`, `note`).
#[rustfmt::skip]
const MUTATIONS: &[(&str, &[&str])] = &[
    ("create_tenant", &["name", "superadmin", "presets", "bind", "bind_superadmin"]),
    ("install_preset", &["preset"]),
    ("create_user", &["first_name", "last_name", "email", "phone", "roles", "scopes", "teams", "grants", "groups", "active", "password", "temporary", "bind"]),
    ("create_users", &["users", "times"]),
    ("update_user", &["user", "first_name", "last_name", "email", "phone"]),
    ("set_active", &["user", "active"]),
    ("delete_user", &["user"]),
    ("assign_role", &["user", "role"]),
    ("revoke_role", &["user", "role"]),
    ("set_user_roles", &["user", "roles"]),
    ("create_role", &["name", "permissions", "denied", "scoped", "admin_tier", "description", "bind"]),
    ("update_role", &["role", "name", "permissions", "denied", "description"]),
    ("delete_role", &["role"]),
    ("create_group", &["name", "roles", "bind"]),
    ("rename_group", &["group", "name"]),
    ("add_group_role", &["group", "role"]),
    ("remove_group_role", &["group", "role"]),
    ("add_member", &["group", "user"]),
    ("add_members", &["group", "users"]),
    ("remove_member", &["group", "user"]),
    ("delete_group", &["group"]),
    ("create_scope", &["kind", "name", "parent", "bind"]),
    ("move_scope", &["scope", "parent"]),
    ("delete_scope", &["scope"]),
    ("delete_scope_moving", &["scope"]),
    ("grant_role_in_scope", &["user", "role", "scope"]),
    ("revoke_role_in_scope", &["user", "role", "scope"]),
    ("set_user_teams", &["user", "teams"]),
    ("assign_scope", &["user", "scope"]),
    ("unassign_scope", &["user", "scope"]),
    ("set_user_scopes", &["user", "scopes"]),
    ("create_agreement", &["name", "owner", "bind"]),
    ("set_access_level", &["agreement", "user", "product", "level"]),
    ("transfer_ownership", &["agreement", "new_owner"]),
    ("link_pbx_subscriber", &["agreement", "user", "subscriber"]),
    ("set_tenant_settings", &["strict_agreement_levels", "phone_region"]),
    ("add_sod_rule", &["name", "first", "second"]),
    ("remove_sod_rule", &["name"]),
    ("set_password", &["user", "password", "temporary"]),
    ("security_stamp", &["user", "bind"]),
    ("set_password_policy", &["min_length", "max_length", "reject_common", "reject_personal", "max_failed_logins", "lockout_ms", "reset_token_ttl_ms"]),
    ("unlock", &["user"]),
    ("change_password", &["user", "current", "new"]),
    ("request_password_reset", &["tenant", "email", "bind"]),
    ("reset_password_with_token", &["tenant", "token", "password"]),
    ("advance_clock", &["ms"]),
    ("grant_for", &["user", "grant", "from", "until"]),
    ("make_eligible", &["user", "role", "scope", "max_ms"]),
    ("revoke_eligibility", &["user", "role", "scope"]),
    ("activate", &["user", "role", "scope", "duration_ms", "justification"]),
    ("end_activation", &["user", "role", "scope"]),
    ("set_break_glass", &["user", "break_glass"]),
];

/// Where every run's manual clock starts: ms since the Unix epoch (2027-01-15T08:00:00Z).
const CLOCK_START: i64 = 1_800_000_000_000;

/// The keys of one user in `create_users`.
const NEW_USER_KEYS: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "phone",
    "roles",
    "scopes",
    "teams",
    "grants",
    "groups",
    "active",
    "password",
    "temporary",
];

/// Steps listed with the mutations that name no acting user.
const NO_ACTOR: &[&str] = &[
    "create_tenant",
    "security_stamp",
    "change_password",
    "request_password_reset",
    "reset_password_with_token",
    "advance_clock",
    "activate",
];

/// Steps that record a refused attempt (a failed login or a wrong current password counts
/// toward the lock), so that an expected error may move the revision.
const RECORDS_ATTEMPTS: &[&str] = &["login", "change_password"];

/// Queries: their own keys (besides `op`, `expect`, `note`).
#[rustfmt::skip]
const QUERIES: &[(&str, &[&str])] = &[
    ("check", &["user", "permission"]),
    ("check_scoped", &["user", "permission", "scope"]),
    ("effective_permissions", &["user"]),
    ("allowed_scopes", &["user", "permission", "kind"]),
    ("check_user", &["user", "permission", "target"]),
    ("get_scope", &["scope"]),
    ("child_scopes", &["scope"]),
    ("team_members", &["scope"]),
    ("search_users_as", &["user", "text", "active_only", "offset", "limit"]),
    ("get_user_as", &["user", "target"]),
    ("explain", &["user", "permission"]),
    ("users_with_permission", &["tenant", "permission", "scope"]),
    ("access_level", &["agreement", "user", "product"]),
    ("may_listen_recordings", &["agreement", "user", "subscriber"]),
    ("may_click_to_call", &["agreement", "user", "subscriber"]),
    ("pbx_subscriber", &["agreement", "user"]),
    ("group_members", &["group", "tenant"]),
    ("group_permissions", &["group", "tenant"]),
    ("get_user", &["user"]),
    ("get_role", &["role", "tenant"]),
    ("get_group", &["group", "tenant"]),
    ("user_by_email", &["tenant", "email"]),
    ("search_users", &["tenant", "text", "active_only", "offset", "limit"]),
    ("tenant_settings", &["tenant"]),
    ("sod_rules", &["tenant"]),
    ("sod_violations", &["tenant"]),
    ("session_valid", &["user", "stamp"]),
    ("login", &["tenant", "email", "password"]),
    ("credential_status", &["user"]),
    ("audit_events", &["tenant", "action", "outcome", "contains"]),
    ("notifications", &[]),
    ("valid_until", &[]),
];

/// The kind of object a handle is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Tenant,
    User,
    Role,
    Group,
    Scope,
    Agreement,
    /// A security stamp remembered by `security_stamp` (the handle holds the stamp itself).
    Stamp,
    /// A recovery token issued by `request_password_reset` (the handle holds its index in
    /// [`Runner::tokens`]).
    Token,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Why a step stopped: the API answered with an error (an outcome to compare), or the vector
/// itself is malformed (always a failure).
enum Stop {
    Api(Error),
    Bad(String),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Api(e)
    }
}

type R<T> = Result<T, Stop>;

fn bad<T>(msg: impl Into<String>) -> R<T> {
    Err(Stop::Bad(msg.into()))
}

/// The arguments of one step.
struct Args<'a>(&'a Map<String, Value>);

impl<'a> Args<'a> {
    fn opt(&self, k: &str) -> Option<&'a Value> {
        self.0.get(k)
    }

    fn get(&self, k: &str) -> R<&'a Value> {
        match self.0.get(k) {
            Some(v) => Ok(v),
            None => bad(format!("missing field {k:?}")),
        }
    }

    fn str(&self, k: &str) -> R<&'a str> {
        match self.get(k)?.as_str() {
            Some(s) => Ok(s),
            None => bad(format!("field {k:?} must be a string")),
        }
    }

    fn opt_str(&self, k: &str) -> R<Option<&'a str>> {
        match self.opt(k) {
            None => Ok(None),
            Some(_) => self.str(k).map(Some),
        }
    }

    fn bool_or(&self, k: &str, default: bool) -> R<bool> {
        match self.opt(k) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => bad(format!("field {k:?} must be a boolean")),
        }
    }

    fn usize_or(&self, k: &str, default: usize) -> R<usize> {
        match self.opt(k) {
            None => Ok(default),
            Some(v) => match v.as_u64() {
                Some(n) => Ok(n as usize),
                None => bad(format!("field {k:?} must be a non-negative integer")),
            },
        }
    }

    fn list_or_empty(&self, k: &str) -> R<&'a [Value]> {
        match self.opt(k) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => bad(format!("field {k:?} must be an array")),
        }
    }

    fn permission(&self, k: &str) -> R<Permission> {
        Ok(Permission::by_name(self.str(k)?)?)
    }

    fn permissions(&self, k: &str) -> R<Permission> {
        let mut names = Vec::new();
        for v in self.list_or_empty(k)? {
            match v.as_str() {
                Some(s) => names.push(s),
                None => return bad(format!("field {k:?} must hold strings")),
            }
        }
        Ok(Permission::from_names(&names)?)
    }
}

/// The tenant in which names (of roles, groups) are resolved, computed lazily: a failure to
/// determine it matters only when a name must be resolved.
struct Ctx(Result<Option<TenantId>, Error>);

impl Ctx {
    fn tenant(&self) -> R<TenantId> {
        match &self.0 {
            Ok(Some(t)) => Ok(*t),
            Ok(None) => bad("a name needs a tenant context (add \"tenant\")"),
            Err(e) => Err(Stop::Api(e.clone())),
        }
    }
}

// ============================ the runner ============================

struct Runner {
    dir: Directory,
    /// The directory's clock, which only `advance_clock` moves.
    clock: Arc<ManualClock>,
    handles: HashMap<String, (Kind, u64)>,
    names: HashMap<(Kind, u64), String>,
    /// The recovery tokens bound to handles.
    tokens: Vec<String>,
}

impl Runner {
    /// A runner on `dir` (a fresh, empty directory on `clock`).
    fn on(dir: Directory, clock: Arc<ManualClock>) -> Self {
        // The cheapest argon2id: the vectors test rules, not the hash's cost.
        dir.set_hash_params(HashParams {
            m_kib: 8,
            t: 1,
            p: 1,
        });
        Runner {
            dir,
            clock,
            handles: HashMap::new(),
            names: HashMap::new(),
            tokens: Vec::new(),
        }
    }

    fn bind(&mut self, handle: Option<&Value>, kind: Kind, id: u64) -> R<()> {
        let Some(h) = handle else { return Ok(()) };
        let Some(h) = h.as_str() else {
            return bad("a handle must be a string");
        };
        if self.handles.contains_key(h) {
            return bad(format!("handle {h:?} is already bound"));
        }
        self.handles.insert(h.to_owned(), (kind, id));
        self.names.insert((kind, id), h.to_owned());
        Ok(())
    }

    /// The handle of an object in an answer, or its raw id when it has none.
    fn handle_of(&self, kind: Kind, id: u64) -> Value {
        match self.names.get(&(kind, id)) {
            Some(h) => Value::String(h.clone()),
            None => json!(id),
        }
    }

    /// Resolves a reference: a raw id, a bound handle of `kind`, or (when `by_name` is given)
    /// a name looked up in the context tenant.
    fn id(&self, v: &Value, kind: Kind, by_name: Option<(&Ctx, NameLookup)>) -> R<u64> {
        match v {
            Value::Number(n) => match n.as_u64() {
                Some(id) => Ok(id),
                None => bad(format!("raw id {n} must be a non-negative integer")),
            },
            Value::String(s) => match (self.handles.get(s), by_name) {
                (Some((k, id)), _) if *k == kind => Ok(*id),
                (Some((k, _)), _) => bad(format!("handle {s:?} is a {k}, not a {kind}")),
                (None, Some((ctx, lookup))) => Ok(lookup(&self.dir, ctx.tenant()?, s)?),
                (None, None) => bad(format!("unbound {kind} handle {s:?}")),
            },
            _ => bad(format!("a {kind} reference must be a string or an integer")),
        }
    }

    fn user(&self, v: &Value) -> R<UserId> {
        self.id(v, Kind::User, None).map(UserId)
    }

    fn tenant(&self, v: &Value) -> R<TenantId> {
        self.id(v, Kind::Tenant, None).map(TenantId)
    }

    fn scope(&self, v: &Value) -> R<ScopeId> {
        self.id(v, Kind::Scope, None).map(ScopeId)
    }

    fn agreement(&self, v: &Value) -> R<AgreementId> {
        self.id(v, Kind::Agreement, None).map(AgreementId)
    }

    fn role(&self, v: &Value, ctx: &Ctx) -> R<RoleId> {
        let lookup: NameLookup = |d, t, n| d.role_by_name(t, n).map(|r| r.id.0);
        self.id(v, Kind::Role, Some((ctx, lookup))).map(RoleId)
    }

    fn group(&self, v: &Value, ctx: &Ctx) -> R<GroupId> {
        let lookup: NameLookup = |d, t, n| d.group_by_name(t, n).map(|g| g.id.0);
        self.id(v, Kind::Group, Some((ctx, lookup))).map(GroupId)
    }

    fn roles(&self, vs: &[Value], ctx: &Ctx) -> R<Vec<RoleId>> {
        vs.iter().map(|v| self.role(v, ctx)).collect()
    }

    /// Sorted, deduplicated role names.
    fn role_names(&self, roles: impl IntoIterator<Item = RoleId>) -> R<Value> {
        let mut names = Vec::new();
        for r in roles {
            names.push(self.dir.role(r)?.name);
        }
        names.sort();
        names.dedup();
        Ok(json!(names))
    }

    /// Runs one mutation; returns after binding what it created.
    fn mutate(&mut self, op: &str, a: &Args<'_>) -> R<()> {
        let d = &self.dir;
        if op == "create_tenant" {
            let sa = Args(match a.get("superadmin")?.as_object() {
                Some(o) => o,
                None => return bad("\"superadmin\" must be an object"),
            });
            let mut presets = Vec::new();
            for p in a.list_or_empty("presets")? {
                match p.as_str() {
                    Some(s) => presets.push(s.parse::<Preset>()?),
                    None => return bad("presets must be strings"),
                }
            }
            let t = d.create_tenant(a.str("name")?, &new_user(&sa)?, &presets)?;
            self.bind(a.opt("bind"), Kind::Tenant, t.tenant.0)?;
            return self.bind(a.opt("bind_superadmin"), Kind::User, t.superadmin.0);
        }
        if op == "security_stamp" {
            let stamp = d.security_stamp(self.user(a.get("user")?)?)?;
            return self.bind(Some(a.get("bind")?), Kind::Stamp, stamp);
        }
        match op {
            "advance_clock" => {
                let Some(ms) = a.get("ms")?.as_i64().filter(|ms| *ms >= 0) else {
                    return bad("\"ms\" must be a non-negative integer");
                };
                self.clock.advance(ms);
                return Ok(());
            }
            "activate" => {
                let u = self.user(a.get("user")?)?;
                let ctx = Ctx(d.user(u).map(|u| Some(u.tenant)));
                let r = self.role(a.get("role")?, &ctx)?;
                let s = self.opt_scope(a)?;
                let Some(ms) = a.get("duration_ms")?.as_i64() else {
                    return bad("\"duration_ms\" must be an integer");
                };
                d.activate(u, r, s, ms, a.str("justification")?)?;
                return Ok(());
            }
            "change_password" => {
                let u = self.user(a.get("user")?)?;
                return Ok(d.change_password(u, a.str("current")?, a.str("new")?)?);
            }
            "request_password_reset" => {
                let t = self.tenant(a.get("tenant")?)?;
                if let Some(issued) = d.request_password_reset(t, a.str("email")?)? {
                    self.tokens.push(issued.token.expose().to_owned());
                    let index = self.tokens.len() as u64 - 1;
                    self.bind(a.opt("bind"), Kind::Token, index)?;
                }
                return Ok(());
            }
            "reset_password_with_token" => {
                let t = self.tenant(a.get("tenant")?)?;
                let index = self.id(a.get("token")?, Kind::Token, None)?;
                let Some(token) = self.tokens.get(index as usize) else {
                    return bad("\"token\" must be a token handle");
                };
                d.reset_password_with_token(t, token, a.str("password")?)?;
                return Ok(());
            }
            _ => {}
        }
        let actor = self.user(a.get("as")?)?;
        let ctx = Ctx(d.user(actor).map(|u| Some(u.tenant)));
        let bind = a.opt("bind");
        match op {
            "install_preset" => {
                d.install_preset(actor, a.str("preset")?.parse()?)?;
            }
            "create_user" => {
                let u = self.full_new_user(a, &ctx)?;
                let id = d.create_user(actor, &u)?;
                self.bind(bind, Kind::User, id.0)?;
            }
            "create_users" => {
                let times = a.usize_or("times", 1)?;
                let mut users = Vec::new();
                for copy in 0..times {
                    for v in a.list_or_empty("users")? {
                        let Some(o) = v.as_object() else {
                            return bad("\"users\" must hold objects");
                        };
                        if let Some(k) = o.keys().find(|k| !NEW_USER_KEYS.contains(&k.as_str())) {
                            return bad(format!("unknown field {k:?} in a user of create_users"));
                        }
                        let mut u = self.full_new_user(&Args(o), &ctx)?;
                        u.email = u.email.replace("{n}", &copy.to_string());
                        users.push(u);
                    }
                }
                d.create_users(actor, &users)?;
            }
            "update_user" => {
                let patch = UserPatch {
                    first_name: a.opt_str("first_name")?.map(str::to_owned),
                    last_name: a.opt_str("last_name")?.map(str::to_owned),
                    email: a.opt_str("email")?.map(str::to_owned),
                    phone: match a.opt("phone") {
                        None => None,
                        Some(Value::Null) => Some(None),
                        Some(Value::String(s)) => Some(Some(s.clone())),
                        Some(_) => return bad("\"phone\" must be a string or null"),
                    },
                    external_id: None,
                };
                d.update_user(actor, self.user(a.get("user")?)?, &patch)?;
            }
            "set_active" => {
                let active = match a.get("active")? {
                    Value::Bool(b) => *b,
                    _ => return bad("\"active\" must be a boolean"),
                };
                d.set_active(actor, self.user(a.get("user")?)?, active)?;
            }
            "delete_user" => d.delete_user(actor, self.user(a.get("user")?)?)?,
            "assign_role" => {
                let (u, r) = (self.user(a.get("user")?)?, self.role(a.get("role")?, &ctx)?);
                d.assign_role(actor, u, r)?;
            }
            "revoke_role" => {
                let (u, r) = (self.user(a.get("user")?)?, self.role(a.get("role")?, &ctx)?);
                d.revoke_role(actor, u, r)?;
            }
            "set_user_roles" => {
                let u = self.user(a.get("user")?)?;
                let roles = self.roles(a.list_or_empty("roles")?, &ctx)?;
                d.set_user_roles(actor, u, &roles)?;
            }
            "create_role" => {
                let role = NewRole {
                    name: a.str("name")?.to_owned(),
                    permissions: a.permissions("permissions")?,
                    denied: match a.opt("denied") {
                        None => Permission::empty(),
                        Some(_) => a.permissions("denied")?,
                    },
                    scoped: a.bool_or("scoped", false)?,
                    admin_tier: a.bool_or("admin_tier", false)?,
                    description: a.opt_str("description")?.unwrap_or("").to_owned(),
                };
                let id = d.create_role(actor, &role)?;
                self.bind(bind, Kind::Role, id.0)?;
            }
            "update_role" => {
                let r = self.role(a.get("role")?, &ctx)?;
                let patch = RolePatch {
                    name: a.opt_str("name")?.map(str::to_owned),
                    permissions: match a.opt("permissions") {
                        None => None,
                        Some(_) => Some(a.permissions("permissions")?),
                    },
                    denied: match a.opt("denied") {
                        None => None,
                        Some(_) => Some(a.permissions("denied")?),
                    },
                    description: a.opt_str("description")?.map(str::to_owned),
                };
                d.update_role(actor, r, &patch)?;
            }
            "delete_role" => d.delete_role(actor, self.role(a.get("role")?, &ctx)?)?,
            "create_group" => {
                let roles = self.roles(a.list_or_empty("roles")?, &ctx)?;
                let id = d.create_group(actor, a.str("name")?, &roles)?;
                self.bind(bind, Kind::Group, id.0)?;
            }
            "rename_group" => {
                let g = self.group(a.get("group")?, &ctx)?;
                d.rename_group(actor, g, a.str("name")?)?;
            }
            "add_group_role" | "remove_group_role" => {
                let g = self.group(a.get("group")?, &ctx)?;
                let r = self.role(a.get("role")?, &ctx)?;
                if op == "add_group_role" {
                    d.add_group_role(actor, g, r)?;
                } else {
                    d.remove_group_role(actor, g, r)?;
                }
            }
            "add_member" | "remove_member" => {
                let g = self.group(a.get("group")?, &ctx)?;
                let u = self.user(a.get("user")?)?;
                if op == "add_member" {
                    d.add_member(actor, g, u)?;
                } else {
                    d.remove_member(actor, g, u)?;
                }
            }
            "add_members" => {
                let g = self.group(a.get("group")?, &ctx)?;
                let users = a
                    .list_or_empty("users")?
                    .iter()
                    .map(|u| self.user(u))
                    .collect::<R<Vec<_>>>()?;
                d.add_members(actor, g, &users)?;
            }
            "delete_group" => d.delete_group(actor, self.group(a.get("group")?, &ctx)?)?,
            "create_scope" => {
                let kind: ScopeKind = a.str("kind")?.parse()?;
                let id = match a.opt("parent") {
                    None | Some(Value::Null) => d.create_scope(actor, kind, a.str("name")?)?,
                    Some(p) => d.create_scope_under(actor, self.scope(p)?, kind, a.str("name")?)?,
                };
                self.bind(bind, Kind::Scope, id.0)?;
            }
            "move_scope" => {
                let parent = match a.opt("parent") {
                    None | Some(Value::Null) => None,
                    Some(p) => Some(self.scope(p)?),
                };
                d.move_scope(actor, self.scope(a.get("scope")?)?, parent)?;
            }
            "delete_scope_moving" => d.delete_scope_moving(actor, self.scope(a.get("scope")?)?)?,
            "grant_role_in_scope" | "revoke_role_in_scope" => {
                let u = self.user(a.get("user")?)?;
                let r = self.role(a.get("role")?, &ctx)?;
                let s = self.scope(a.get("scope")?)?;
                if op == "grant_role_in_scope" {
                    d.grant_role_in_scope(actor, u, r, s)?;
                } else {
                    d.revoke_role_in_scope(actor, u, r, s)?;
                }
            }
            "set_user_teams" => {
                let u = self.user(a.get("user")?)?;
                let teams = a
                    .list_or_empty("teams")?
                    .iter()
                    .map(|v| self.scope(v))
                    .collect::<R<Vec<_>>>()?;
                d.set_user_teams(actor, u, &teams)?;
            }
            "delete_scope" => d.delete_scope(actor, self.scope(a.get("scope")?)?)?,
            "assign_scope" | "unassign_scope" => {
                let u = self.user(a.get("user")?)?;
                let s = self.scope(a.get("scope")?)?;
                if op == "assign_scope" {
                    d.assign_scope(actor, u, s)?;
                } else {
                    d.unassign_scope(actor, u, s)?;
                }
            }
            "set_user_scopes" => {
                let u = self.user(a.get("user")?)?;
                let scopes = a
                    .list_or_empty("scopes")?
                    .iter()
                    .map(|v| self.scope(v))
                    .collect::<R<Vec<_>>>()?;
                d.set_user_scopes(actor, u, &scopes)?;
            }
            "create_agreement" => {
                let owner = self.user(a.get("owner")?)?;
                let id = d.create_agreement(actor, a.str("name")?, owner)?;
                self.bind(bind, Kind::Agreement, id.0)?;
            }
            "set_access_level" => {
                let ag = self.agreement(a.get("agreement")?)?;
                let u = self.user(a.get("user")?)?;
                let product: Product = a.str("product")?.parse()?;
                let level: AccessLevel = a.str("level")?.parse()?;
                d.set_access_level(actor, ag, u, product, level)?;
            }
            "transfer_ownership" => {
                let ag = self.agreement(a.get("agreement")?)?;
                d.transfer_ownership(actor, ag, self.user(a.get("new_owner")?)?)?;
            }
            "link_pbx_subscriber" => {
                let ag = self.agreement(a.get("agreement")?)?;
                let u = self.user(a.get("user")?)?;
                let sub = match a.get("subscriber")? {
                    Value::Null => None,
                    Value::String(s) => Some(s.as_str()),
                    _ => return bad("\"subscriber\" must be a string or null"),
                };
                d.link_pbx_subscriber(actor, ag, u, sub)?;
            }
            "set_tenant_settings" => {
                // Separation-of-duty rules are left as they are (as the bindings do).
                let mut settings = TenantSettings::default();
                settings.strict_agreement_levels = a.bool_or("strict_agreement_levels", false)?;
                settings.phone_region = match a.opt("phone_region") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(_) => return bad("\"phone_region\" must be a string or null"),
                };
                d.set_tenant_options(actor, &settings)?;
            }
            "grant_for" => {
                let u = self.user(a.get("user")?)?;
                let grant = self.timed_grant(a.get("grant")?, &ctx)?;
                let time = |k: &str| -> R<Option<i64>> {
                    match a.opt(k) {
                        None | Some(Value::Null) => Ok(None),
                        Some(v) => match v.as_i64() {
                            Some(t) => Ok(Some(t)),
                            None => bad(format!("{k:?} must be an integer or null")),
                        },
                    }
                };
                let window = Window {
                    from: time("from")?,
                    until: time("until")?,
                };
                d.grant_for(actor, u, &grant, window)?;
            }
            "make_eligible" => {
                let u = self.user(a.get("user")?)?;
                let r = self.role(a.get("role")?, &ctx)?;
                let Some(max) = a.get("max_ms")?.as_i64() else {
                    return bad("\"max_ms\" must be an integer");
                };
                d.make_eligible(actor, u, r, self.opt_scope(a)?, max)?;
            }
            "revoke_eligibility" | "end_activation" => {
                let u = self.user(a.get("user")?)?;
                let r = self.role(a.get("role")?, &ctx)?;
                let s = self.opt_scope(a)?;
                if op == "revoke_eligibility" {
                    d.revoke_eligibility(actor, u, r, s)?;
                } else {
                    d.end_activation(actor, u, r, s)?;
                }
            }
            "set_break_glass" => {
                let u = self.user(a.get("user")?)?;
                let Some(on) = a.get("break_glass")?.as_bool() else {
                    return bad("\"break_glass\" must be a boolean");
                };
                d.set_break_glass(actor, u, on)?;
            }
            "add_sod_rule" => {
                let rule = SodRule::new(
                    a.str("name")?,
                    a.permissions("first")?,
                    a.permissions("second")?,
                );
                d.add_sod_rule(actor, &rule)?;
            }
            "remove_sod_rule" => d.remove_sod_rule(actor, a.str("name")?)?,
            "set_password" => {
                let u = self.user(a.get("user")?)?;
                let temporary = a.bool_or("temporary", true)?;
                d.set_password(actor, u, a.str("password")?, temporary)?;
            }
            "set_password_policy" => {
                let dflt = PasswordPolicy::default();
                let max_failed =
                    a.usize_or("max_failed_logins", dflt.max_failed_logins as usize)?;
                let Ok(max_failed_logins) = u32::try_from(max_failed) else {
                    return bad("\"max_failed_logins\" must fit 32 bits");
                };
                let lockout_ms = match a.opt("lockout_ms") {
                    None => dflt.lockout_ms,
                    Some(Value::String(s)) if s == "until_unlocked" => {
                        PasswordPolicy::UNTIL_UNLOCKED
                    }
                    Some(v) => match v.as_i64() {
                        Some(n) => n,
                        None => {
                            return bad("\"lockout_ms\" must be an integer or \"until_unlocked\"")
                        }
                    },
                };
                let reset_token_ttl_ms = match a.opt("reset_token_ttl_ms") {
                    None => dflt.reset_token_ttl_ms,
                    Some(v) => match v.as_i64() {
                        Some(n) => n,
                        None => return bad("\"reset_token_ttl_ms\" must be an integer"),
                    },
                };
                let p = PasswordPolicy {
                    min_length: a.usize_or("min_length", dflt.min_length)?,
                    max_length: a.usize_or("max_length", dflt.max_length)?,
                    reject_common: a.bool_or("reject_common", dflt.reject_common)?,
                    reject_personal: a.bool_or("reject_personal", dflt.reject_personal)?,
                    max_failed_logins,
                    lockout_ms,
                    reset_token_ttl_ms,
                };
                d.set_password_policy(actor, &p)?;
            }
            "unlock" => d.unlock(actor, self.user(a.get("user")?)?)?,
            _ => return bad(format!("unknown mutation {op:?}")),
        }
        Ok(())
    }

    /// Runs one query and returns its answer in the vector format.
    fn query(&self, op: &str, a: &Args<'_>) -> R<Value> {
        let d = &self.dir;
        let ctx = Ctx(match (a.opt("tenant"), a.opt("user")) {
            (Some(t), _) => Ok(Some(self.tenant(t)?)),
            (None, Some(u)) => d.user(self.user(u)?).map(|u| Some(u.tenant)),
            (None, None) => Ok(None),
        });
        let users = |ids: Vec<UserId>| -> Value {
            ids.into_iter()
                .map(|u| self.handle_of(Kind::User, u.0))
                .collect()
        };
        let scopes = |ids: &mut dyn Iterator<Item = ScopeId>| -> Value {
            ids.map(|s| self.handle_of(Kind::Scope, s.0)).collect()
        };
        Ok(match op {
            "check" => {
                let (u, p) = (self.user(a.get("user")?)?, a.permission("permission")?);
                json!(d.check(u, p))
            }
            "check_scoped" => {
                let (u, p) = (self.user(a.get("user")?)?, a.permission("permission")?);
                json!(d.check_scoped(u, p, self.scope(a.get("scope")?)?))
            }
            "effective_permissions" => {
                json!(d.effective_permissions(self.user(a.get("user")?)?)?.names())
            }
            "allowed_scopes" => {
                let (u, p) = (self.user(a.get("user")?)?, a.permission("permission")?);
                let access = match a.opt_str("kind")? {
                    None => d.allowed_scopes(u, p)?,
                    Some(k) => d.allowed_scopes_of_kind(u, p, k.parse()?)?,
                };
                match access {
                    ScopeAccess::All => json!("all"),
                    ScopeAccess::Only(ids) => scopes(&mut ids.into_iter()),
                }
            }
            "explain" => {
                let (u, p) = (self.user(a.get("user")?)?, a.permission("permission")?);
                let e = d.explain(u, p)?;
                let mut scope_grants: Vec<(String, Value)> = e
                    .grants
                    .iter()
                    .filter_map(|g| {
                        g.scope
                            .map(|s| (g.role_name.clone(), self.handle_of(Kind::Scope, s.0)))
                    })
                    .collect();
                scope_grants.sort_by_key(|(r, s)| (r.clone(), s.to_string()));
                let scope_grants: Vec<Value> = scope_grants
                    .into_iter()
                    .map(|(role, scope)| json!({"role": role, "scope": scope}))
                    .collect();
                let mut roles: Vec<String> = e.grants.into_iter().map(|g| g.role_name).collect();
                roles.sort();
                roles.dedup();
                let mut denied_by: Vec<String> =
                    e.denied_by.into_iter().map(|g| g.role_name).collect();
                denied_by.sort();
                denied_by.dedup();
                json!({"allowed": e.allowed, "roles": roles, "scope_grants": scope_grants,
                       "superadmin": e.superadmin, "inactive": e.inactive,
                       "denied_by": denied_by})
            }
            "check_user" => {
                let (u, p) = (self.user(a.get("user")?)?, a.permission("permission")?);
                json!(d.check_user(u, p, self.user(a.get("target")?)?))
            }
            "get_scope" => {
                let s = d.scope(self.scope(a.get("scope")?)?)?;
                json!({"name": s.name, "kind": s.kind.name(),
                       "parent": s.parent.map(|p| self.handle_of(Kind::Scope, p.0))})
            }
            "child_scopes" => {
                let ids = d.child_scopes(self.scope(a.get("scope")?)?)?;
                scopes(&mut ids.into_iter())
            }
            "team_members" => users(d.team_members(self.scope(a.get("scope")?)?)?),
            "search_users_as" => {
                let q = UserQuery {
                    text: a.opt_str("text")?.map(str::to_owned),
                    active_only: a.bool_or("active_only", false)?,
                    offset: a.usize_or("offset", 0)?,
                    limit: a.usize_or("limit", 50)?,
                };
                let page = d.search_users_as(self.user(a.get("user")?)?, &q)?;
                let ids = page.items.into_iter().map(|u| u.id).collect();
                json!({"total": page.total, "users": users(ids)})
            }
            "get_user_as" => {
                let u = d.user_as(self.user(a.get("user")?)?, self.user(a.get("target")?)?)?;
                self.user_json(&u)?
            }
            "users_with_permission" => {
                let t = self.tenant(a.get("tenant")?)?;
                let p = a.permission("permission")?;
                let s = a.opt("scope").map(|s| self.scope(s)).transpose()?;
                users(d.users_with_permission(t, p, s)?)
            }
            "access_level" => {
                let ag = self.agreement(a.get("agreement")?)?;
                let u = self.user(a.get("user")?)?;
                json!(d.access_level(ag, u, a.str("product")?.parse()?).name())
            }
            "may_listen_recordings" | "may_click_to_call" => {
                let ag = self.agreement(a.get("agreement")?)?;
                let (u, sub) = (self.user(a.get("user")?)?, a.str("subscriber")?);
                json!(if op == "may_listen_recordings" {
                    d.may_listen_recordings(ag, u, sub)
                } else {
                    d.may_click_to_call(ag, u, sub)
                })
            }
            "pbx_subscriber" => {
                let ag = self.agreement(a.get("agreement")?)?;
                json!(d.pbx_subscriber(ag, self.user(a.get("user")?)?)?)
            }
            "group_members" => users(d.group_members(self.group(a.get("group")?, &ctx)?)?),
            "group_permissions" => {
                json!(d
                    .group_permissions(self.group(a.get("group")?, &ctx)?)?
                    .names())
            }
            "get_user" => {
                let u = d.user(self.user(a.get("user")?)?)?;
                self.user_json(&u)?
            }
            "get_role" => {
                let r = d.role(self.role(a.get("role")?, &ctx)?)?;
                json!({"name": r.name, "permissions": r.permissions.names(),
                       "denied": r.denied.names(), "scoped": r.scoped,
                       "admin_tier": r.admin_tier, "preset": r.preset().map(Preset::name),
                       "namespace": r.namespace.name()})
            }
            "get_group" => {
                let g = d.group(self.group(a.get("group")?, &ctx)?)?;
                json!({"name": g.name, "roles": self.role_names(g.roles.iter().copied())?})
            }
            "user_by_email" => {
                let t = self.tenant(a.get("tenant")?)?;
                self.handle_of(Kind::User, d.user_by_email(t, a.str("email")?)?.id.0)
            }
            "search_users" => {
                let q = UserQuery {
                    text: a.opt_str("text")?.map(str::to_owned),
                    active_only: a.bool_or("active_only", false)?,
                    offset: a.usize_or("offset", 0)?,
                    limit: a.usize_or("limit", 50)?,
                };
                let page = d.search_users(self.tenant(a.get("tenant")?)?, &q)?;
                let ids = page.items.into_iter().map(|u| u.id).collect();
                json!({"total": page.total, "users": users(ids)})
            }
            "tenant_settings" => {
                let s = d.tenant_settings(self.tenant(a.get("tenant")?)?)?;
                json!({"strict_agreement_levels": s.strict_agreement_levels,
                       "phone_region": s.phone_region})
            }
            "sod_rules" => {
                let rules = d.sod_rules(self.tenant(a.get("tenant")?)?)?;
                rules
                    .iter()
                    .map(|r| json!({"name": r.name, "first": r.first.names(), "second": r.second.names()}))
                    .collect()
            }
            "sod_violations" => {
                let vs = d.sod_violations(self.tenant(a.get("tenant")?)?)?;
                vs.iter()
                    .map(|v| json!({"rule": v.rule, "user": self.handle_of(Kind::User, v.user.0)}))
                    .collect()
            }
            "session_valid" => {
                let u = self.user(a.get("user")?)?;
                json!(d.session_valid(u, self.id(a.get("stamp")?, Kind::Stamp, None)?))
            }
            "login" => {
                let t = self.tenant(a.get("tenant")?)?;
                let s = d.login(t, a.str("email")?, a.str("password")?)?;
                json!({"user": self.handle_of(Kind::User, s.user.0),
                       "must_change_password": s.must_change_password})
            }
            "credential_status" => {
                let s = d.credential_status(self.user(a.get("user")?)?)?;
                json!({"has_password": s.has_password, "must_change": s.must_change,
                       "failed_logins": s.failed_logins, "locked": s.locked_until.is_some()})
            }
            "audit_events" => {
                let mut q = AuditQuery {
                    tenant: Some(self.tenant(a.get("tenant")?)?),
                    action: a.opt_str("action")?.map(str::parse).transpose()?,
                    outcome: a.opt_str("outcome")?.map(str::to_owned),
                    limit: 1000,
                    ..AuditQuery::default()
                };
                let needle = a.opt_str("contains")?.unwrap_or("").to_ascii_lowercase();
                let mut containing = 0;
                let total = loop {
                    let page = d.audit_events(&q)?;
                    for e in &page.items {
                        let texts = [&e.detail, &e.before, &e.after];
                        if texts.iter().any(|t| {
                            t.as_deref()
                                .is_some_and(|t| t.to_ascii_lowercase().contains(&needle))
                        }) {
                            containing += 1;
                        }
                    }
                    q.offset += page.items.len();
                    if page.items.is_empty() || q.offset >= page.total {
                        break page.total;
                    }
                };
                json!({"total": total, "containing": containing})
            }
            "notifications" => d
                .drain_notifications()
                .iter()
                .map(|n| json!({"kind": n.kind(), "user": self.handle_of(Kind::User, n.user().0)}))
                .collect(),
            "valid_until" => json!(d.snapshot().valid_until()),
            _ => return bad(format!("unknown query {op:?}")),
        })
    }

    /// The optional `scope` of a step (absent or null: none).
    fn opt_scope(&self, a: &Args<'_>) -> R<Option<ScopeId>> {
        match a.opt("scope") {
            None | Some(Value::Null) => Ok(None),
            Some(s) => Ok(Some(self.scope(s)?)),
        }
    }

    /// A time-bound grant written as `{"role": role}`, `{"scope_role": {"role", "scope"}}`,
    /// `{"group": group}`, `{"scope": scope}`, `{"level": {"agreement", "product", "level"}}`
    /// or `{"pbx": {"agreement", "subscriber"}}`.
    fn timed_grant(&self, v: &Value, ctx: &Ctx) -> R<TimedGrant> {
        let Some((kind, v)) = v
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
        else {
            return bad("\"grant\" must be an object with one key");
        };
        let obj = || match v.as_object() {
            Some(o) => Ok(Args(o)),
            None => bad(format!("\"{kind}\" must be an object")),
        };
        Ok(match kind.as_str() {
            "role" => TimedGrant::Role(self.role(v, ctx)?),
            "group" => TimedGrant::Group(self.group(v, ctx)?),
            "scope" => TimedGrant::Scope(self.scope(v)?),
            "scope_role" => {
                let o = obj()?;
                TimedGrant::ScopeRole(ScopeGrant {
                    role: self.role(o.get("role")?, ctx)?,
                    scope: self.scope(o.get("scope")?)?,
                })
            }
            "level" => {
                let o = obj()?;
                TimedGrant::Level {
                    agreement: self.agreement(o.get("agreement")?)?,
                    product: o.str("product")?.parse()?,
                    level: o.str("level")?.parse()?,
                }
            }
            "pbx" => {
                let o = obj()?;
                TimedGrant::Pbx {
                    agreement: self.agreement(o.get("agreement")?)?,
                    subscriber: o.str("subscriber")?.to_owned(),
                }
            }
            other => return bad(format!("unknown grant kind {other:?}")),
        })
    }

    /// An assignment as `get_user` shows it (role names, handles).
    fn assignment_json(&self, a: &Assignment) -> R<Value> {
        Ok(match a {
            Assignment::Role(r) => json!({"role": self.dir.role(*r)?.name}),
            Assignment::ScopeRole(g) => json!({"scope_role": {
                "role": self.dir.role(g.role)?.name,
                "scope": self.handle_of(Kind::Scope, g.scope.0)}}),
            Assignment::Group(g) => json!({"group": self.handle_of(Kind::Group, g.0)}),
            Assignment::Scope(s) => json!({"scope": self.handle_of(Kind::Scope, s.0)}),
            Assignment::Level { agreement, product } => json!({"level": {
                "agreement": self.handle_of(Kind::Agreement, agreement.0),
                "product": product.name()}}),
            Assignment::Pbx(ag) => json!({"pbx": self.handle_of(Kind::Agreement, ag.0)}),
        })
    }
}

type NameLookup = fn(&Directory, TenantId, &str) -> Result<u64, Error>;

impl Runner {
    /// A user of `create_user` or of `create_users`' list, with its roles, active flag and
    /// initial password.
    /// A user as `get_user` answers: names, contact, status, roles (names), groups, scopes,
    /// teams (handles, in id order) and per-scope grants (role name and scope handle, in the
    /// user's order: role id, then scope id).
    fn user_json(&self, u: &rolecall::User) -> R<Value> {
        let scopes = |ids: &std::collections::BTreeSet<ScopeId>| -> Value {
            ids.iter()
                .map(|s| self.handle_of(Kind::Scope, s.0))
                .collect()
        };
        let groups: Vec<Value> = self
            .dir
            .user_groups(u.id)?
            .into_iter()
            .map(|g| self.handle_of(Kind::Group, g.0))
            .collect();
        let mut grants = Vec::new();
        for g in &u.grants {
            grants.push(json!({"role": self.dir.role(g.role)?.name,
                               "scope": self.handle_of(Kind::Scope, g.scope.0)}));
        }
        let mut windows = Vec::new();
        for (a, w) in &u.windows {
            windows.push(json!({"assignment": self.assignment_json(a)?,
                                "from": w.from, "until": w.until}));
        }
        let mut eligible = Vec::new();
        for e in &u.eligible {
            eligible.push(json!({"role": self.dir.role(e.role)?.name,
                                 "scope": e.scope.map(|s| self.handle_of(Kind::Scope, s.0)),
                                 "max_ms": e.max_ms}));
        }
        Ok(json!({
            "first_name": u.first_name, "last_name": u.last_name, "email": u.email,
            "phone": u.phone, "active": u.active,
            "roles": self.role_names(u.roles.iter().copied())?,
            "groups": groups, "scopes": scopes(&u.scopes),
            "teams": scopes(&u.teams), "grants": grants,
            "windows": windows, "eligible": eligible, "break_glass": u.break_glass,
        }))
    }

    fn full_new_user(&self, a: &Args<'_>, ctx: &Ctx) -> R<NewUser> {
        let mut u = new_user(a)?;
        u.roles = self.roles(a.list_or_empty("roles")?, ctx)?;
        u.scopes = a
            .list_or_empty("scopes")?
            .iter()
            .map(|v| self.scope(v))
            .collect::<R<_>>()?;
        u.teams = a
            .list_or_empty("teams")?
            .iter()
            .map(|v| self.scope(v))
            .collect::<R<_>>()?;
        for g in a.list_or_empty("grants")? {
            let Some(o) = g.as_object() else {
                return bad("\"grants\" must hold {\"role\", \"scope\"} objects");
            };
            let g = Args(o);
            u = u.grant(
                self.role(g.get("role")?, ctx)?,
                self.scope(g.get("scope")?)?,
            );
        }
        u.groups = a
            .list_or_empty("groups")?
            .iter()
            .map(|g| self.group(g, ctx))
            .collect::<R<_>>()?;
        u.active = a.bool_or("active", true)?;
        if let Some(p) = a.opt_str("password")? {
            u = u.password(p);
        }
        // Absent, `temporary` keeps the API's own default (rule 21: temporary).
        if a.opt("temporary").is_some() {
            u = u.temporary(a.bool_or("temporary", true)?);
        }
        Ok(u)
    }
}

fn new_user(a: &Args<'_>) -> R<NewUser> {
    let mut u = NewUser::new(a.str("first_name")?, a.str("last_name")?, a.str("email")?);
    u.phone = a.opt_str("phone")?.map(str::to_owned);
    Ok(u)
}

/// Whether an answer matches its expectation. For object answers only the keys the expectation
/// names are compared.
fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().all(|(k, v)| a.get(k) == Some(v)),
        _ => expected == actual,
    }
}

/// What a step expects: success (with an answer, for queries) or an error kind.
enum Expect<'a> {
    Ok(Option<&'a Value>),
    Error(&'a str),
}

fn expectation<'a>(step: &'a Map<String, Value>, query: bool) -> Result<Expect<'a>, String> {
    match step.get("expect") {
        Some(Value::Object(o)) if o.len() == 1 && o.contains_key("error") => {
            match o["error"].as_str() {
                Some(kind) => Ok(Expect::Error(kind)),
                None => Err("\"error\" must be a string".into()),
            }
        }
        None if query => Err("a query needs \"expect\"".into()),
        v if query => Ok(Expect::Ok(v)),
        None => Ok(Expect::Ok(None)),
        Some(Value::String(s)) if s == "ok" => Ok(Expect::Ok(None)),
        Some(v) => Err(format!(
            "a mutation expects \"ok\" or {{\"error\": kind}}, not {v}"
        )),
    }
}

/// Runs one step; `Err` describes a failure.
fn run_step(r: &mut Runner, step: &Value) -> Result<(), String> {
    let Some(step) = step.as_object() else {
        return Err("a step must be an object".into());
    };
    let Some(op) = step.get("op").and_then(Value::as_str) else {
        return Err("a step needs \"op\" (a string)".into());
    };
    let (query, own) = match (
        QUERIES.iter().find(|(n, _)| *n == op),
        MUTATIONS.iter().find(|(n, _)| *n == op),
    ) {
        (Some((_, keys)), _) => (true, *keys),
        (None, Some((_, keys))) => (false, *keys),
        (None, None) => return Err(format!("unknown op {op:?}")),
    };
    let has_actor = !query && !NO_ACTOR.contains(&op);
    for k in step.keys().map(String::as_str) {
        let allowed = COMMON.contains(&k) || own.contains(&k) || (has_actor && k == "as");
        if !allowed {
            return Err(format!("unknown field {k:?} for {op}"));
        }
    }
    let expect = expectation(step, query)?;
    let before = r.dir.revision();
    let a = Args(step);
    let outcome = if query {
        r.query(op, &a).map(Some)
    } else {
        r.mutate(op, &a).map(|()| None)
    };
    match (outcome, expect) {
        (Err(Stop::Bad(msg)), _) => Err(format!("malformed step: {msg}")),
        (Err(Stop::Api(e)), Expect::Error(kind)) if e.kind() == kind => {
            let after = r.dir.revision();
            if after == before || RECORDS_ATTEMPTS.contains(&op) {
                Ok(())
            } else {
                Err(format!(
                    "failed as expected ({kind}) but the revision changed from {before} to {after}"
                ))
            }
        }
        (Err(Stop::Api(e)), Expect::Error(kind)) => Err(format!(
            "expected error {kind}, got error {} ({e})",
            e.kind()
        )),
        (Err(Stop::Api(e)), Expect::Ok(_)) => {
            Err(format!("expected success, got error {} ({e})", e.kind()))
        }
        (Ok(answer), Expect::Error(kind)) => Err(format!(
            "expected error {kind}, got success{}",
            answer
                .map(|v| format!(" answering {v}"))
                .unwrap_or_default()
        )),
        (Ok(Some(actual)), Expect::Ok(Some(expected))) if !matches(expected, &actual) => {
            Err(format!("expected {expected}, got {actual}"))
        }
        (Ok(_), Expect::Ok(_)) => Ok(()),
    }
}

/// Replays one vector file in a fresh in-memory directory; returns the number of steps and the
/// failure, if any (a file stops at its first failing step).
fn run_file(name: &str, text: &str) -> (usize, Option<String>) {
    run_file_on(name, text, in_memory)
}

/// A fresh in-memory directory on `clock`.
fn in_memory(clock: Arc<ManualClock>) -> Directory {
    Directory::open_with_clock(MemoryStore::new(), clock).expect("an in-memory directory")
}

/// Replays one vector file in the fresh directory `open` gives.
fn run_file_on(
    name: &str,
    text: &str,
    open: impl FnOnce(Arc<ManualClock>) -> Directory,
) -> (usize, Option<String>) {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return (0, Some(format!("{name}: not valid JSON: {e}"))),
    };
    let header_ok = doc.get("title").is_some_and(Value::is_string)
        && doc.get("source").is_some_and(Value::is_string)
        && doc.as_object().is_some_and(|o| {
            o.keys()
                .all(|k| ["title", "source", "description", "steps"].contains(&k.as_str()))
        });
    let Some(steps) = doc.get("steps").and_then(Value::as_array) else {
        return (0, Some(format!("{name}: needs a \"steps\" array")));
    };
    if !header_ok || steps.is_empty() {
        return (
            0,
            Some(format!(
                "{name}: needs \"title\" and \"source\" strings, at least one step and no other field than \"description\""
            )),
        );
    }
    let clock = Arc::new(ManualClock::new(CLOCK_START));
    let mut r = Runner::on(open(clock.clone()), clock);
    for (i, step) in steps.iter().enumerate() {
        if let Err(msg) = run_step(&mut r, step) {
            let op = step.get("op").and_then(Value::as_str).unwrap_or("?");
            let note = step
                .get("note")
                .and_then(Value::as_str)
                .map(|n| format!(" [note: {n}]"))
                .unwrap_or_default();
            let skipped = steps.len() - i - 1;
            return (
                steps.len(),
                Some(format!(
                    "{name} step {i} ({op}): {msg}{note} ({skipped} later steps not run)"
                )),
            );
        }
    }
    (steps.len(), None)
}

/// Every `*.json` of `tests/vectors`, or of the directory (or the one file) named by the
/// environment variable `ROLECALL_VECTORS` (relative to the workspace root).
fn vector_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = match std::env::var_os("ROLECALL_VECTORS") {
        Some(p) if root.join(&p).is_file() => return vec![root.join(p)],
        Some(p) => root.join(p),
        None => root.join("tests/vectors"),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// Replays every vector file, each in the fresh directory `open` gives it, and fails naming
/// every file that failed.
fn replay_all(mut open: impl FnMut(Arc<ManualClock>) -> Directory) {
    let files = vector_files();
    assert!(!files.is_empty(), "no conformance vectors found");
    let mut failures = Vec::new();
    let mut total = 0;
    for path in &files {
        let name = match path.parent().and_then(Path::file_name) {
            Some(d) => format!(
                "{}/{}",
                d.to_string_lossy(),
                path.file_name().expect("file name").to_string_lossy()
            ),
            None => path.display().to_string(),
        };
        let text = std::fs::read_to_string(path).expect("readable vector file");
        let (steps, failure) = run_file_on(&name, &text, &mut open);
        println!("{name}: {steps} steps");
        total += steps;
        failures.extend(failure);
    }
    println!("{} files, {total} steps", files.len());
    assert!(
        failures.is_empty(),
        "{} of {} vector files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn conformance_vectors() {
    replay_all(in_memory);
}

/// The same vectors on the PostgreSQL store (a real server, see tests/pg), each file in a
/// schema of its own.
#[test]
fn conformance_vectors_on_postgres() {
    let mut schemas = Vec::new();
    replay_all(|clock| {
        let schema = pg::Schema::new("vectors");
        let dir = Directory::open_with_clock(schema.store(), clock).expect("open the directory");
        schemas.push(schema);
        dir
    });
}

/// The runner itself must catch wrong answers, wrong error kinds, unexpected successes and
/// malformed steps, naming file, step and op.
#[test]
fn runner_reports_mismatches() {
    let prefix = r#"{"op": "create_tenant", "name": "T", "presets": ["managers"],
        "superadmin": {"first_name": "Ro", "last_name": "Ot", "email": "root@t.test"},
        "bind": "t", "bind_superadmin": "root"}"#;
    let cases = [
        (
            r#"{"op": "check", "user": "root", "permission": "users.manage", "expect": false}"#,
            "expected false, got true",
        ),
        (
            r#"{"op": "delete_user", "as": "root", "user": "root", "expect": {"error": "escalation"}}"#,
            "expected error escalation, got error superadmin_protected",
        ),
        (
            r#"{"op": "create_scope", "as": "root", "kind": "ivr", "name": "Main", "expect": {"error": "duplicate_name"}}"#,
            "expected error duplicate_name, got success",
        ),
        (
            r#"{"op": "create_user", "as": "root", "first_name": "A", "last_name": "B", "email": "bad"}"#,
            "expected success, got error invalid_email",
        ),
        (
            r#"{"op": "check", "user": "nobody", "permission": "users.manage", "expect": false}"#,
            "malformed step: unbound User handle",
        ),
        (
            r#"{"op": "check", "user": "root", "permision": "users.manage", "expect": true}"#,
            "unknown field \"permision\"",
        ),
        (r#"{"op": "fly", "as": "root"}"#, "unknown op \"fly\""),
        (
            r#"{"op": "login", "tenant": "t", "email": "root@t.test", "password": "no password is set", "expect": {"user": "root", "must_change_password": false}}"#,
            "expected success, got error authentication_failed",
        ),
        (
            r#"{"op": "create_users", "as": "root", "users": [{"first_name": "A", "last_name": "B", "email": "a@t.test", "pasword": "x"}]}"#,
            "in a user of create_users",
        ),
        (
            r#"{"op": "reset_password_with_token", "tenant": "t", "token": "nope", "password": "a fine new password"}"#,
            "malformed step: unbound Token handle",
        ),
    ];
    for (step, want) in cases {
        let text = format!(r#"{{"title": "x", "source": "x", "steps": [{prefix}, {step}]}}"#);
        let (_, failure) = run_file("self-test.json", &text);
        let failure = failure.unwrap_or_else(|| panic!("no failure reported for {step}"));
        assert!(
            failure.starts_with("self-test.json step 1 (") && failure.contains(want),
            "{failure}"
        );
    }
}
