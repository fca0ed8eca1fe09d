//! Import: every record of the document is validated first (every problem reported at once),
//! then planned with the ordinary operations, step after step, each against a scratch copy of
//! the model to which the earlier steps' changes were applied; the outer plan gathers every
//! change for one commit.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::document::*;
use crate::credentials::PasswordPolicy;
use crate::domain::model::{Affected, Model, NameKind};
use crate::domain::rules::Actor;
use crate::domain::{
    validate, AccessLevel, AgreementId, Assignment, Eligibility, GroupId, Permission, Product,
    RoleId, RoleNamespace, ScopeGrant, ScopeId, ScopeKind, SodRule, TenantId, TenantSettings,
    TimedGrant, UserId, Window,
};
use crate::ops::{Hashed, NewRole, NewUser, PhoneMemo, Plan, RolePatch, UserPatch};
use crate::Error;

// ---------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------

/// `kind/name` of a scope; a bare name is a team when `team` (the teams of a user).
pub(super) fn parse_scope_ref(s: &str, team: bool) -> Result<(ScopeKind, String), String> {
    match s.split_once('/') {
        Some((kind, name)) => {
            let kind: ScopeKind = kind
                .trim()
                .parse()
                .map_err(|e: Error| format!("{s:?}: {e}"))?;
            if team && kind != ScopeKind::Team {
                return Err(format!("{s:?} is a {kind}, not a team"));
            }
            Ok((kind, name.trim().to_owned()))
        }
        None if team => Ok((ScopeKind::Team, s.trim().to_owned())),
        None => Err(format!(
            "{s:?} is not a scope reference (kind/name, such as call_group/Sales)"
        )),
    }
}

fn permissions(names: &[String]) -> Result<Permission, Error> {
    Permission::from_names(names)
}

/// What the document and the directory hold, by name, for the validation of references.
struct Names<'a> {
    m: &'a Model,
    tenant: TenantId,
    roles: HashSet<(RoleNamespace, String)>,
    scopes: HashSet<(ScopeKind, String)>,
    groups: HashSet<String>,
    agreements: HashSet<String>,
    users: HashSet<String>,
}

impl Names<'_> {
    fn role_exists(&self, ns: RoleNamespace, name: &str) -> bool {
        self.roles.contains(&(ns, validate::fold(name.trim())))
            || self.m.role_in_namespace(self.tenant, ns, name).is_some()
    }

    /// Resolves a role reference as `Model::role_named` will once the document's roles exist.
    fn role(&self, s: &str) -> Result<(), String> {
        let s = s.trim();
        if let Some((ns, rest)) = s.split_once('/') {
            if let Ok(ns) = ns.trim().parse::<RoleNamespace>() {
                if self.role_exists(ns, rest) {
                    return Ok(());
                }
            }
        }
        let n = RoleNamespace::ALL
            .iter()
            .filter(|ns| self.role_exists(**ns, s))
            .count();
        match n {
            1 => Ok(()),
            0 => Err(format!("unknown role {s:?}")),
            _ => Err(format!(
                "role {s:?} is ambiguous: qualify it with its namespace (namespace/name)"
            )),
        }
    }

    fn scope(&self, s: &str, team: bool) -> Result<(), String> {
        let (kind, name) = parse_scope_ref(s, team)?;
        if self.scopes.contains(&(kind, validate::fold(&name)))
            || self
                .m
                .name_taken(self.tenant, NameKind::Scope(kind), &name)
                .is_some()
        {
            Ok(())
        } else {
            Err(format!("unknown scope {s:?}"))
        }
    }

    fn group(&self, s: &str) -> Result<(), String> {
        if self.groups.contains(&validate::fold(s.trim()))
            || self.m.name_taken(self.tenant, NameKind::Group, s).is_some()
        {
            Ok(())
        } else {
            Err(format!("unknown group {s:?}"))
        }
    }

    fn agreement(&self, s: &str) -> Result<(), String> {
        if self.agreements.contains(&validate::fold(s.trim()))
            || self
                .m
                .name_taken(self.tenant, NameKind::Agreement, s)
                .is_some()
        {
            Ok(())
        } else {
            Err(format!("unknown agreement {s:?}"))
        }
    }

    fn user(&self, email: &str) -> Result<(), String> {
        let key = validate::email_key(email.trim());
        if self.users.contains(&key) || self.m.emails.contains_key(&(self.tenant, key)) {
            Ok(())
        } else {
            Err(format!("unknown user {email:?}"))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Validation: every problem at once
// ---------------------------------------------------------------------------------------

struct Problems(Vec<ImportProblem>);

impl Problems {
    fn add(&mut self, location: String, field: &str, reason: impl Into<String>) {
        self.0.push(ImportProblem {
            location,
            field: field.to_owned(),
            reason: reason.into(),
        });
    }

    /// Records `r`'s error at `base.field`.
    fn check<T, E: std::fmt::Display>(&mut self, base: &str, field: &str, r: Result<T, E>) {
        if let Err(e) = r {
            self.add(format!("{base}.{field}"), field, e.to_string());
        }
    }
}

/// The region phone numbers of the document are read in.
fn phone_region(doc: &TenantDocument, m: &Model, tenant: TenantId) -> Option<String> {
    match &doc.tenant {
        Some(t) => t.phone_region.clone(),
        None => m.tenants.get(&tenant)?.settings.phone_region.clone(),
    }
}

fn tenant_settings(t: &DocTenant) -> Result<TenantSettings, Error> {
    let separation_of_duty = t
        .separation_of_duty
        .iter()
        .map(|r| {
            Ok(SodRule::new(
                r.name.clone(),
                permissions(&r.first)?,
                permissions(&r.second)?,
            ))
        })
        .collect::<Result<_, Error>>()?;
    Ok(TenantSettings {
        strict_agreement_levels: t.strict_agreement_levels,
        phone_region: t.phone_region.clone(),
        separation_of_duty,
    })
}

fn policy(p: &DocPasswordPolicy) -> PasswordPolicy {
    PasswordPolicy {
        min_length: p.min_length,
        max_length: p.max_length,
        reject_common: p.reject_common,
        reject_personal: p.reject_personal,
        max_failed_logins: p.max_failed_logins,
        lockout_ms: p.lockout_ms,
        reset_token_ttl_ms: p.reset_token_ttl_ms,
    }
}

/// Checks every record of `doc` for import into `tenant` of `m` at `now`.
fn validate_doc(
    doc: &TenantDocument,
    m: &Model,
    tenant: TenantId,
    now: i64,
) -> (Vec<ImportProblem>, PhoneMemo) {
    let mut pr = Problems(Vec::new());
    if doc.format != DOCUMENT_FORMAT {
        pr.add(
            "format".into(),
            "format",
            format!("expected {DOCUMENT_FORMAT:?}"),
        );
    }
    if doc.version != DOCUMENT_VERSION {
        pr.add(
            "version".into(),
            "version",
            format!("this library reads version {DOCUMENT_VERSION}"),
        );
    }
    if let Some(t) = &doc.tenant {
        pr.check("tenant", "name", validate::name("tenant name", &t.name));
        pr.check(
            "tenant",
            "settings",
            tenant_settings(t).and_then(|s| s.validate()),
        );
        pr.check(
            "tenant",
            "password_policy",
            policy(&t.password_policy).validate(),
        );
    }
    let mut names = Names {
        m,
        tenant,
        roles: HashSet::new(),
        scopes: HashSet::new(),
        groups: HashSet::new(),
        agreements: HashSet::new(),
        users: HashSet::with_capacity(doc.users.len()),
    };
    for (i, r) in doc.roles.iter().enumerate() {
        let base = format!("roles[{i}]");
        let ns = r.namespace.parse::<RoleNamespace>();
        pr.check(&base, "namespace", ns.as_ref());
        pr.check(&base, "name", validate::name("role name", &r.name));
        pr.check(&base, "permissions", permissions(&r.permissions));
        pr.check(&base, "denied", permissions(&r.denied));
        pr.check(&base, "description", validate::description(&r.description));
        let Ok(ns) = ns else { continue };
        if let Some(preset) = ns.preset() {
            if preset.role(r.name.trim()).is_none() {
                pr.add(
                    format!("{base}.name"),
                    "name",
                    format!("the {preset} preset has no role {:?}", r.name),
                );
            }
        } else if let Some(old) = m.role_in_namespace(tenant, ns, &r.name) {
            if old.scoped != r.scoped || old.admin_tier != r.admin_tier {
                pr.add(
                    base.clone(),
                    "scoped",
                    "an existing role's scoped and admin_tier flags cannot change",
                );
            }
        }
        if !names.roles.insert((ns, validate::fold(r.name.trim()))) {
            pr.add(format!("{base}.name"), "name", "a second role of that name");
        }
    }
    for (i, s) in doc.scopes.iter().enumerate() {
        let base = format!("scopes[{i}]");
        let kind = s.kind.parse::<ScopeKind>();
        pr.check(&base, "kind", kind.as_ref());
        pr.check(&base, "name", validate::name("scope name", &s.name));
        if let Ok(kind) = kind {
            if !names.scopes.insert((kind, validate::fold(s.name.trim()))) {
                pr.add(
                    format!("{base}.name"),
                    "name",
                    "a second scope of that kind and name",
                );
            }
        }
    }
    for (i, g) in doc.groups.iter().enumerate() {
        let base = format!("groups[{i}]");
        pr.check(&base, "name", validate::name("group name", &g.name));
        if !names.groups.insert(validate::fold(g.name.trim())) {
            pr.add(
                format!("{base}.name"),
                "name",
                "a second group of that name",
            );
        }
    }
    for (i, a) in doc.agreements.iter().enumerate() {
        let base = format!("agreements[{i}]");
        pr.check(&base, "name", validate::name("agreement name", &a.name));
        if !names.agreements.insert(validate::fold(a.name.trim())) {
            pr.add(
                format!("{base}.name"),
                "name",
                "a second agreement of that name",
            );
        }
    }
    let region = phone_region(doc, m, tenant);
    let mut phones = PhoneMemo {
        region: region.clone(),
        e164: HashMap::new(),
    };
    let mut external_ids: HashSet<&str> = HashSet::new();
    for (i, u) in doc.users.iter().enumerate() {
        let base = format!("users[{i}]");
        if let Some(x) = &u.external_id {
            match validate::external_id(x) {
                Err(e) => pr.add(format!("{base}.external_id"), "external_id", e.to_string()),
                Ok(_) => {
                    if !external_ids.insert(x.as_str()) {
                        pr.add(
                            format!("{base}.external_id"),
                            "external_id",
                            "a second user with that external id",
                        );
                    }
                }
            }
        }
        match validate::email(&u.email) {
            Err(e) => pr.add(format!("{base}.email"), "email", e.to_string()),
            Ok(email) => {
                if !names.users.insert(validate::email_key(&email)) {
                    pr.add(
                        format!("{base}.email"),
                        "email",
                        "a second user with that email",
                    );
                }
            }
        }
        pr.check(
            &base,
            "first_name",
            validate::name("first name", &u.first_name),
        );
        pr.check(
            &base,
            "last_name",
            validate::name("last name", &u.last_name),
        );
        if let Some(p) = &u.phone {
            let key = p.trim();
            if !phones.e164.contains_key(key) {
                match validate::phone(p, region.as_deref()) {
                    Ok(e164) => {
                        phones.e164.insert(key.to_owned(), e164);
                    }
                    Err(e) => pr.add(format!("{base}.phone"), "phone", e.to_string()),
                }
            }
        }
        if let Some(p) = &u.password {
            if !p.hash.starts_with("$argon2") || p.hash.len() > 512 {
                pr.add(
                    format!("{base}.password"),
                    "password",
                    "not an argon2 hash in PHC form",
                );
            }
        }
    }
    // References, once every name of the document is known.
    for (i, s) in doc.scopes.iter().enumerate() {
        if let Some(p) = &s.parent {
            pr.check(&format!("scopes[{i}]"), "parent", names.scope(p, false));
        }
    }
    if let Some(cycle) = scope_order(doc).err() {
        pr.add(
            format!("scopes[{cycle}]"),
            "parent",
            "the parents form a cycle",
        );
    }
    for (i, g) in doc.groups.iter().enumerate() {
        for (j, r) in g.roles.iter().enumerate() {
            pr.check(
                &format!("groups[{i}]"),
                &format!("roles[{j}]"),
                names.role(r),
            );
        }
    }
    for (i, u) in doc.users.iter().enumerate() {
        let base = format!("users[{i}]");
        for (j, r) in u.roles.iter().flatten().enumerate() {
            pr.check(&base, &format!("roles[{j}]"), names.role(r));
        }
        for (j, g) in u.groups.iter().flatten().enumerate() {
            pr.check(&base, &format!("groups[{j}]"), names.group(g));
        }
        for (j, s) in u.scopes.iter().flatten().enumerate() {
            pr.check(&base, &format!("scopes[{j}]"), names.scope(s, false));
        }
        for (j, s) in u.teams.iter().flatten().enumerate() {
            pr.check(&base, &format!("teams[{j}]"), names.scope(s, true));
        }
        for (j, g) in u.grants.iter().flatten().enumerate() {
            let f = format!("grants[{j}]");
            pr.check(
                &base,
                &f,
                names.role(&g.role).and(names.scope(&g.scope, false)),
            );
        }
        for (j, e) in u.eligible.iter().flatten().enumerate() {
            let f = format!("eligible[{j}]");
            let scope = e.scope.as_ref().map_or(Ok(()), |s| names.scope(s, false));
            pr.check(&base, &f, names.role(&e.role).and(scope));
            if !(1..=crate::MAX_ACTIVATION_MS).contains(&e.max_ms) {
                pr.add(
                    format!("{base}.{f}"),
                    &f,
                    "max_ms must be between 1 ms and 31 days",
                );
            }
        }
        for (j, w) in u.windows.iter().flatten().enumerate() {
            let f = format!("windows[{j}]");
            let r = match &w.assignment {
                DocAssignment::Role(r) => names.role(r),
                DocAssignment::ScopeRole(g) => {
                    names.role(&g.role).and(names.scope(&g.scope, false))
                }
                DocAssignment::Group(g) => names.group(g),
                DocAssignment::Scope(s) => names.scope(s, false),
                DocAssignment::Level { agreement, product } => names.agreement(agreement).and(
                    product
                        .parse::<Product>()
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                ),
                DocAssignment::Pbx(a) => names.agreement(a),
            };
            pr.check(&base, &f, r);
            let window = Window {
                from: w.from,
                until: w.until,
            };
            if window.is_always() {
                pr.add(format!("{base}.{f}"), &f, "a window has a start or an end");
            } else {
                pr.check(&base, &f, window.validate(now));
            }
        }
    }
    for (i, a) in doc.agreements.iter().enumerate() {
        let base = format!("agreements[{i}]");
        pr.check(&base, "owner", names.user(&a.owner));
        for (j, l) in a.levels.iter().enumerate() {
            let f = format!("levels[{j}]");
            pr.check(&base, &f, names.user(&l.user));
            if validate::email_key(l.user.trim()) == validate::email_key(a.owner.trim()) {
                pr.add(format!("{base}.{f}"), &f, "the owner's level is owner");
            }
            for (p, lv) in &l.levels {
                pr.check(&base, &f, p.parse::<Product>());
                match lv.parse::<AccessLevel>() {
                    Ok(AccessLevel::Owner) => pr.add(
                        format!("{base}.{f}"),
                        &f,
                        "owner is appointed as the agreement's owner",
                    ),
                    r => pr.check(&base, &f, r),
                }
            }
        }
        for (j, l) in a.pbx.iter().enumerate() {
            let f = format!("pbx[{j}]");
            pr.check(&base, &f, names.user(&l.user));
            pr.check(&base, &f, validate::name("PBX subscriber", &l.subscriber));
        }
    }
    (pr.0, phones)
}

/// The document's scopes, parents before children; `Err(i)` for a scope in a cycle.
fn scope_order(doc: &TenantDocument) -> Result<Vec<usize>, usize> {
    let key = |s: &DocScope| -> Option<(ScopeKind, String)> {
        Some((s.kind.parse().ok()?, validate::fold(s.name.trim())))
    };
    let index: HashMap<(ScopeKind, String), usize> = doc
        .scopes
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((key(s)?, i)))
        .collect();
    let parent = |i: usize| -> Option<usize> {
        let (kind, name) = parse_scope_ref(doc.scopes[i].parent.as_deref()?, false).ok()?;
        index.get(&(kind, validate::fold(&name))).copied()
    };
    let mut order = Vec::with_capacity(doc.scopes.len());
    let mut state = vec![0u8; doc.scopes.len()]; // 0 new, 1 in progress, 2 done
    for start in 0..doc.scopes.len() {
        let mut chain = Vec::new();
        let mut cur = Some(start);
        while let Some(i) = cur {
            match state[i] {
                2 => break,
                1 => return Err(i),
                _ => {
                    state[i] = 1;
                    chain.push(i);
                    cur = parent(i);
                }
            }
        }
        for i in chain.into_iter().rev() {
            state[i] = 2;
            order.push(i);
        }
    }
    Ok(order)
}

// ---------------------------------------------------------------------------------------
// Planning, step after step
// ---------------------------------------------------------------------------------------

/// The outer plan, and the scratch model it is planned against (a copy of the outer plan's
/// model, made when the first step changes something).
struct Steps<'o, 'm> {
    outer: &'o mut Plan<'m>,
    scratch: Option<Model>,
    phones: std::sync::Arc<PhoneMemo>,
}

impl Steps<'_, '_> {
    /// The model as the steps so far leave it.
    fn m(&self) -> &Model {
        match &self.scratch {
            Some(m) => m,
            None => self.outer.m,
        }
    }

    /// Plans one step against the scratch model, applies its changes to it (unless `apply`
    /// is false: nothing after reads them) and hands them to the outer plan. Returns the
    /// step's result and whether it changed anything.
    fn run<T>(
        &mut self,
        apply: bool,
        f: impl FnOnce(&mut Plan<'_>) -> Result<T, Error>,
    ) -> Result<(T, bool), Error> {
        let outer_m = self.outer.m;
        let m: &Model = self.scratch.as_ref().unwrap_or(outer_m);
        let mut sub = Plan::new(m, self.outer.now);
        sub.phones = Some(std::sync::Arc::clone(&self.phones));
        let out = f(&mut sub)?;
        sub.settle_windows();
        let changes = std::mem::take(&mut sub.changes);
        self.outer.absorb(sub);
        let changed = !changes.is_empty();
        if apply && changed {
            let scratch = self.scratch.get_or_insert_with(|| outer_m.clone());
            let mut aff = Affected {
                everything: true,
                ..Affected::default()
            };
            for c in &changes {
                scratch.apply(c, &mut aff);
            }
        }
        self.outer.changes.extend(changes);
        Ok((out, changed))
    }

    fn step(&mut self, f: impl FnOnce(&mut Plan<'_>) -> Result<(), Error>) -> Result<bool, Error> {
        self.run(true, f).map(|(_, changed)| changed)
    }
}

/// Looks records up by name in the scratch model.
struct Find<'s> {
    m: &'s Model,
    tenant: TenantId,
}

impl Find<'_> {
    fn role(&self, s: &str) -> Result<RoleId, Error> {
        self.m.role_named(self.tenant, s).map(|r| r.id)
    }
    fn scope(&self, s: &str, team: bool) -> Result<ScopeId, Error> {
        let (kind, name) = parse_scope_ref(s, team).map_err(|reason| Error::InvalidArgument {
            what: "scope reference",
            reason,
        })?;
        self.m
            .name_taken(self.tenant, NameKind::Scope(kind), &name)
            .map(ScopeId)
            .ok_or_else(|| Error::InvalidArgument {
                what: "scope reference",
                reason: format!("unknown scope {s:?}"),
            })
    }
    fn group(&self, s: &str) -> Result<GroupId, Error> {
        self.m
            .name_taken(self.tenant, NameKind::Group, s)
            .map(GroupId)
            .ok_or_else(|| Error::InvalidArgument {
                what: "group reference",
                reason: format!("unknown group {s:?}"),
            })
    }
    fn agreement(&self, s: &str) -> Option<AgreementId> {
        self.m
            .name_taken(self.tenant, NameKind::Agreement, s)
            .map(AgreementId)
    }
    fn user(&self, email: &str) -> Option<UserId> {
        self.m
            .emails
            .get(&(self.tenant, validate::email_key(email.trim())))
            .copied()
    }
    /// A document's user: by external id first, then by email.
    fn doc_user(&self, u: &DocUser) -> Option<UserId> {
        u.external_id
            .as_ref()
            .and_then(|x| self.m.external_ids.get(&(self.tenant, x.clone())).copied())
            .or_else(|| self.user(&u.email))
    }
    fn roles(&self, v: &[String]) -> Result<BTreeSet<RoleId>, Error> {
        v.iter().map(|r| self.role(r)).collect()
    }
    fn scopes(&self, v: &[String], team: bool) -> Result<BTreeSet<ScopeId>, Error> {
        v.iter().map(|s| self.scope(s, team)).collect()
    }
    fn grants(&self, v: &[DocGrant]) -> Result<BTreeSet<ScopeGrant>, Error> {
        v.iter()
            .map(|g| {
                Ok(ScopeGrant {
                    role: self.role(&g.role)?,
                    scope: self.scope(&g.scope, false)?,
                })
            })
            .collect()
    }
    fn groups(&self, v: &[String]) -> Result<BTreeSet<GroupId>, Error> {
        v.iter().map(|g| self.group(g)).collect()
    }
}

/// Runs the whole import in `p` (the plan of one commit) as `actor`.
pub(crate) fn plan_import(
    p: &mut Plan<'_>,
    actor: UserId,
    doc: &TenantDocument,
) -> Result<ImportReport, Error> {
    let a = Actor::load(p.m, actor)?;
    let tenant = a.tenant();
    let superadmin = a.superadmin;
    drop(a);
    p.tenant = Some(tenant);
    let (problems, phones) = validate_doc(doc, p.m, tenant, p.now);
    if !problems.is_empty() {
        return Err(Error::InvalidImport { problems });
    }
    if !superadmin && doc.users.iter().any(|u| u.password.is_some()) {
        return Err(Error::SuperadminOnly {
            action: "import password hashes",
        });
    }
    let mut report = ImportReport::default();
    let mut st = Steps {
        outer: p,
        scratch: None,
        phones: std::sync::Arc::new(phones),
    };

    // The tenant's settings and password policy.
    if let Some(t) = &doc.tenant {
        let settings = tenant_settings(t)?;
        let pol = policy(&t.password_policy);
        let cur = &st.m().tenants[&tenant];
        let same_rules = {
            let key = |v: &[SodRule]| {
                let mut v: Vec<(String, Permission, Permission)> = v
                    .iter()
                    .map(|r| (validate::fold(&r.name), r.first, r.second))
                    .collect();
                v.sort();
                v
            };
            key(&cur.settings.separation_of_duty) == key(&settings.separation_of_duty)
        };
        if cur.settings.strict_agreement_levels != settings.strict_agreement_levels
            || cur.settings.phone_region != settings.phone_region
            || !same_rules
        {
            report.tenant_updated |= st.step(|q| q.set_tenant_settings(actor, &settings))?;
        }
        if st.m().tenants[&tenant].policy != pol {
            report.tenant_updated |= st.step(|q| q.set_password_policy(actor, &pol))?;
        }
    }

    // Presets, then custom roles.
    for r in &doc.roles {
        let Ok(ns) = r.namespace.parse::<RoleNamespace>() else {
            continue;
        };
        let label = format!("{ns}/{}", r.name.trim());
        if st.m().role_in_namespace(tenant, ns, &r.name).is_some() {
            if let Some(existing) = (ns == RoleNamespace::Custom)
                .then(|| st.m().role_in_namespace(tenant, ns, &r.name))
                .flatten()
            {
                let patch = RolePatch {
                    name: None,
                    permissions: Some(permissions(&r.permissions)?)
                        .filter(|p| *p != existing.permissions),
                    denied: Some(permissions(&r.denied)?).filter(|p| *p != existing.denied),
                    description: Some(validate::description(&r.description)?)
                        .filter(|d| *d != existing.description),
                };
                if patch != RolePatch::default() {
                    let id = existing.id;
                    st.step(|q| q.update_role(actor, id, &patch))?;
                    report.roles.updated.push(label);
                    continue;
                }
            }
            report.roles.unchanged += 1;
            continue;
        }
        match ns.preset() {
            Some(preset) => {
                st.step(|q| q.install_preset(actor, preset).map(|_| ()))?;
                report.roles.created.push(label);
            }
            None => {
                let new = NewRole {
                    name: r.name.clone(),
                    permissions: permissions(&r.permissions)?,
                    denied: permissions(&r.denied)?,
                    scoped: r.scoped,
                    admin_tier: r.admin_tier,
                    description: r.description.clone(),
                };
                st.step(|q| q.create_role(actor, &new).map(|_| ()))?;
                report.roles.created.push(label);
            }
        }
    }

    // Scopes, parents first.
    let order = scope_order(doc).map_err(|_| Error::InvalidArgument {
        what: "scopes",
        reason: "the parents form a cycle".into(),
    })?;
    for i in order {
        let s = &doc.scopes[i];
        let kind: ScopeKind = s.kind.parse()?;
        let label = format!("{kind}/{}", s.name.trim());
        let find = Find { m: st.m(), tenant };
        let parent = s
            .parent
            .as_deref()
            .map(|p| find.scope(p, false))
            .transpose()?;
        match st.m().name_taken(tenant, NameKind::Scope(kind), &s.name) {
            Some(id) => {
                let id = ScopeId(id);
                if st.m().scopes[&id].parent != parent {
                    st.step(|q| q.move_scope(actor, id, parent))?;
                    report.scopes.updated.push(label);
                } else {
                    report.scopes.unchanged += 1;
                }
            }
            None => {
                st.step(|q| q.create_scope(actor, kind, &s.name, parent).map(|_| ()))?;
                report.scopes.created.push(label);
            }
        }
    }

    // Groups and their roles.
    for g in &doc.groups {
        let find = Find { m: st.m(), tenant };
        let roles = find.roles(&g.roles)?;
        match st.m().name_taken(tenant, NameKind::Group, &g.name) {
            Some(id) => {
                let id = GroupId(id);
                let cur = st.m().groups[&id].roles.clone();
                if cur == roles {
                    report.groups.unchanged += 1;
                    continue;
                }
                for r in roles.difference(&cur) {
                    st.step(|q| q.add_group_role(actor, id, *r))?;
                }
                for r in cur.difference(&roles) {
                    st.step(|q| q.remove_group_role(actor, id, *r))?;
                }
                report.groups.updated.push(g.name.trim().to_owned());
            }
            None => {
                let roles: Vec<RoleId> = roles.into_iter().collect();
                st.step(|q| q.create_group(actor, &g.name, &roles).map(|_| ()))?;
                report.groups.created.push(g.name.trim().to_owned());
            }
        }
    }

    // Users: the ones that exist, one step per change; the new ones in one step.
    let region = st.m().tenants[&tenant].settings.phone_region.clone();
    let mut touched = vec![false; doc.users.len()];
    let mut news: Vec<NewUser> = Vec::new();
    let mut new_index: Vec<usize> = Vec::new();
    for (i, du) in doc.users.iter().enumerate() {
        let find = Find { m: st.m(), tenant };
        let roles = du.roles.as_deref().map(|v| find.roles(v)).transpose()?;
        let scopes = du
            .scopes
            .as_deref()
            .map(|v| find.scopes(v, false))
            .transpose()?;
        let teams = du
            .teams
            .as_deref()
            .map(|v| find.scopes(v, true))
            .transpose()?;
        let grants = du.grants.as_deref().map(|v| find.grants(v)).transpose()?;
        let groups = du.groups.as_deref().map(|v| find.groups(v)).transpose()?;
        let Some(id) = find.doc_user(du) else {
            news.push(NewUser {
                first_name: du.first_name.clone(),
                last_name: du.last_name.clone(),
                email: du.email.clone(),
                phone: du.phone.clone(),
                roles: roles.into_iter().flatten().collect(),
                scopes: scopes.into_iter().flatten().collect(),
                teams: teams.into_iter().flatten().collect(),
                grants: grants.into_iter().flatten().collect(),
                groups: groups.into_iter().flatten().collect(),
                active: du.active,
                external_id: du.external_id.clone(),
                password: None,
                temporary: true,
            });
            new_index.push(i);
            continue;
        };
        let u = known(st.m(), id)?.clone();
        let phone = du
            .phone
            .as_deref()
            .map(|p| match st.phones.e164.get(p.trim()) {
                Some(e164) if st.phones.region == region => Ok(e164.clone()),
                _ => validate::phone(p, region.as_deref()),
            })
            .transpose()?;
        let first = validate::name("first name", &du.first_name)?;
        let last = validate::name("last name", &du.last_name)?;
        let email = validate::email(&du.email)?;
        let patch = UserPatch {
            first_name: Some(first).filter(|v| *v != u.first_name),
            last_name: Some(last).filter(|v| *v != u.last_name),
            email: Some(email).filter(|v| *v != u.email),
            phone: Some(phone).filter(|v| *v != u.phone),
            external_id: du
                .external_id
                .clone()
                .filter(|x| u.external_id.as_ref() != Some(x))
                .map(Some),
        };
        let mut changed = false;
        // Reactivation first (the rest is then granted to an active user); deactivation last.
        if du.active && !u.active {
            changed |= st.step(|q| q.set_active(actor, id, true))?;
        }
        if patch != UserPatch::default() {
            changed |= st.step(|q| q.update_user(actor, id, &patch))?;
        }
        if let Some(roles) = roles.filter(|r| *r != u.roles) {
            let roles: Vec<RoleId> = roles.into_iter().collect();
            changed |= st.step(|q| q.set_user_roles(actor, id, &roles))?;
        }
        if let Some(scopes) = scopes.filter(|s| *s != u.scopes) {
            let scopes: Vec<ScopeId> = scopes.into_iter().collect();
            changed |= st.step(|q| q.set_user_scopes(actor, id, &scopes))?;
        }
        if let Some(teams) = teams.filter(|s| *s != u.teams) {
            let teams: Vec<ScopeId> = teams.into_iter().collect();
            changed |= st.step(|q| q.set_user_teams(actor, id, &teams))?;
        }
        if let Some(grants) = grants {
            for g in u.grants.difference(&grants) {
                changed |= st.step(|q| q.revoke_role_in_scope(actor, id, g.role, g.scope))?;
            }
            for g in grants.difference(&u.grants) {
                changed |= st.step(|q| q.grant_role_in_scope(actor, id, g.role, g.scope))?;
            }
        }
        if let Some(groups) = groups {
            let cur = st.m().user_groups.get(&id).cloned().unwrap_or_default();
            for g in groups.difference(&cur) {
                changed |= st.step(|q| q.add_member(actor, *g, id))?;
            }
            for g in cur.difference(&groups) {
                changed |= st.step(|q| q.remove_member(actor, *g, id))?;
            }
        }
        if !du.active && u.active {
            changed |= st.step(|q| q.set_active(actor, id, false))?;
        }
        touched[i] = changed;
    }
    let later = !doc.agreements.is_empty()
        || new_index.iter().any(|&i| {
            let u = &doc.users[i];
            u.windows.as_ref().is_some_and(|w| !w.is_empty())
                || u.eligible.as_ref().is_some_and(|e| !e.is_empty())
                || u.break_glass == Some(true)
                || u.password.is_some()
        });
    if !news.is_empty() {
        let none = vec![None; news.len()];
        st.run(later, |q| q.create_users(actor, &news, &none).map(|_| ()))?;
    }
    drop(news);

    // Agreements: owner, levels and PBX links.
    for da in &doc.agreements {
        let find = Find { m: st.m(), tenant };
        let owner = find
            .user(&da.owner)
            .ok_or_else(|| Error::UnknownUser(crate::UserLookup::Email(da.owner.clone())))?;
        let mut changed = false;
        let created = find.agreement(&da.name).is_none();
        let id = match find.agreement(&da.name) {
            Some(id) => {
                if st.m().agreements[&id].meta.as_ref().map(|m| m.owner) != Some(owner) {
                    changed |= st.step(|q| q.transfer_ownership(actor, id, owner))?;
                }
                id
            }
            None => {
                let (id, _) = st.run(true, |q| q.create_agreement(actor, &da.name, owner))?;
                report.agreements.created.push(da.name.trim().to_owned());
                id
            }
        };
        for l in &da.levels {
            let Some(user) = Find { m: st.m(), tenant }.user(&l.user) else {
                continue;
            };
            for product in Product::ALL {
                let want = match l.levels.get(product.name()) {
                    Some(v) => v.parse::<AccessLevel>()?,
                    None => AccessLevel::NoAccess,
                };
                if st.m().agreements[&id].level(user, product) != want {
                    changed |= st.step(|q| q.set_access_level(actor, id, user, product, want))?;
                }
            }
        }
        for l in &da.pbx {
            let Some(user) = Find { m: st.m(), tenant }.user(&l.user) else {
                continue;
            };
            if st.m().agreements[&id].pbx.get(&user) != Some(&l.subscriber) {
                changed |=
                    st.step(|q| q.link_pbx_subscriber(actor, id, user, Some(&l.subscriber)))?;
            }
        }
        if !created {
            if changed {
                report.agreements.updated.push(da.name.trim().to_owned());
            } else {
                report.agreements.unchanged += 1;
            }
        }
    }

    // Per user: windows, eligibilities, break-glass, password.
    for (i, du) in doc.users.iter().enumerate() {
        let extras = du.windows.is_some()
            || du.eligible.is_some()
            || du.break_glass.is_some()
            || du.password.is_some();
        if !extras {
            continue;
        }
        let find = Find { m: st.m(), tenant };
        let Some(id) = find.doc_user(du) else {
            continue;
        };
        let mut changed = false;
        if let Some(ws) = &du.windows {
            let mut want: BTreeMap<Assignment, (TimedGrant, Window)> = BTreeMap::new();
            for w in ws {
                let g = timed_grant(&find, id, &w.assignment)?;
                want.insert(
                    g.assignment(),
                    (
                        g,
                        Window {
                            from: w.from,
                            until: w.until,
                        },
                    ),
                );
            }
            let cur = known(st.m(), id)?.windows.clone();
            for (a, (g, w)) in &want {
                if cur.get(a) != Some(w) {
                    changed |= st.step(|q| q.grant_for(actor, id, g, *w))?;
                }
            }
            for a in cur.keys().filter(|a| !want.contains_key(a)) {
                let find = Find { m: st.m(), tenant };
                let g = held_grant(&find, id, *a)?;
                changed |= st.step(|q| q.grant_for(actor, id, &g, Window::ALWAYS))?;
            }
        }
        if let Some(es) = &du.eligible {
            let find = Find { m: st.m(), tenant };
            let want: BTreeSet<Eligibility> = es
                .iter()
                .map(|e| {
                    Ok(Eligibility {
                        role: find.role(&e.role)?,
                        scope: e
                            .scope
                            .as_deref()
                            .map(|s| find.scope(s, false))
                            .transpose()?,
                        max_ms: e.max_ms,
                    })
                })
                .collect::<Result<_, Error>>()?;
            let cur = known(st.m(), id)?.eligible.clone();
            for e in cur.difference(&want) {
                if !want.iter().any(|w| (w.role, w.scope) == (e.role, e.scope)) {
                    changed |= st.step(|q| q.revoke_eligibility(actor, id, e.role, e.scope))?;
                }
            }
            for e in want.difference(&cur) {
                changed |= st.step(|q| q.make_eligible(actor, id, e.role, e.scope, e.max_ms))?;
            }
        }
        if let Some(on) = du.break_glass {
            if known(st.m(), id)?.break_glass != on {
                changed |= st.step(|q| q.set_break_glass(actor, id, on))?;
            }
        }
        if let Some(pw) = &du.password {
            let cur = st.m().credentials.get(&id);
            if cur.is_none_or(|c| c.hash != pw.hash || c.must_change != pw.must_change) {
                let hashed = Hashed {
                    hash: pw.hash.clone(),
                };
                changed |= st.step(|q| q.set_password(actor, id, hashed, pw.must_change))?;
            }
        }
        touched[i] |= changed;
    }

    let new_set: HashSet<usize> = new_index.iter().copied().collect();
    for (i, du) in doc.users.iter().enumerate() {
        let email = du.email.trim().to_owned();
        if new_set.contains(&i) {
            report.users.created.push(email);
        } else if touched[i] {
            report.users.updated.push(email);
        } else {
            report.users.unchanged += 1;
        }
    }
    Ok(report)
}

/// The timed grant of a document window's assignment, with the value the user holds (its
/// level, its subscriber) once the document's records are in place.
fn timed_grant(find: &Find<'_>, user: UserId, a: &DocAssignment) -> Result<TimedGrant, Error> {
    Ok(match a {
        DocAssignment::Role(r) => TimedGrant::Role(find.role(r)?),
        DocAssignment::ScopeRole(g) => TimedGrant::ScopeRole(ScopeGrant {
            role: find.role(&g.role)?,
            scope: find.scope(&g.scope, false)?,
        }),
        DocAssignment::Group(g) => TimedGrant::Group(find.group(g)?),
        DocAssignment::Scope(s) => TimedGrant::Scope(find.scope(s, false)?),
        DocAssignment::Level { agreement, product } => {
            let agreement = agreement_id(find, agreement)?;
            held_grant(
                find,
                user,
                Assignment::Level {
                    agreement,
                    product: product.parse()?,
                },
            )?
        }
        DocAssignment::Pbx(a) => held_grant(find, user, Assignment::Pbx(agreement_id(find, a)?))?,
    })
}

fn agreement_id(find: &Find<'_>, name: &str) -> Result<AgreementId, Error> {
    find.agreement(name).ok_or_else(|| Error::InvalidArgument {
        what: "agreement reference",
        reason: format!("unknown agreement {name:?}"),
    })
}

/// The grant of an assignment the user holds, with its value.
fn held_grant(find: &Find<'_>, user: UserId, a: Assignment) -> Result<TimedGrant, Error> {
    let m = find.m;
    Ok(match a {
        Assignment::Role(r) => TimedGrant::Role(r),
        Assignment::ScopeRole(g) => TimedGrant::ScopeRole(g),
        Assignment::Group(g) => TimedGrant::Group(g),
        Assignment::Scope(s) => TimedGrant::Scope(s),
        Assignment::Level { agreement, product } => TimedGrant::Level {
            agreement,
            product,
            level: m
                .agreements
                .get(&agreement)
                .map(|s| s.level(user, product))
                .unwrap_or_default(),
        },
        Assignment::Pbx(agreement) => TimedGrant::Pbx {
            agreement,
            subscriber: m
                .agreements
                .get(&agreement)
                .and_then(|s| s.pbx.get(&user).cloned())
                .ok_or_else(|| Error::InvalidArgument {
                    what: "window",
                    reason: "a window for a PBX link the user does not have".into(),
                })?,
        },
    })
}

fn known(m: &Model, id: UserId) -> Result<&crate::User, Error> {
    m.users
        .get(&id)
        .ok_or_else(|| Error::UnknownUser(id.into()))
}
