//! Validation of a whole document before anything is planned: every problem at once, each
//! with its location, field and reason. References are checked against the names the document
//! itself defines and those the directory holds.

use std::collections::{HashMap, HashSet};

use super::find::parse_scope_ref;
use crate::credentials::PasswordPolicy;
use crate::domain::model::{Model, NameKind};
use crate::domain::{
    validate, AccessLevel, Permission, Product, RoleNamespace, ScopeKind, SodRule, TenantId,
    TenantSettings, Window,
};
use crate::ops::PhoneMemo;
use crate::transfer::document::*;
use crate::Error;

pub(super) fn permissions(names: &[String]) -> Result<Permission, Error> {
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
    /// References already found to resolve, as written (a million users name the same few
    /// roles, groups and teams): `[roles, groups, scopes, teams]`.
    resolved: [HashSet<String>; 4],
}

impl Names<'_> {
    fn role_exists(&self, ns: RoleNamespace, name: &str) -> bool {
        self.roles.contains(&(ns, validate::fold(name.trim())))
            || self.m.role_in_namespace(self.tenant, ns, name).is_some()
    }

    /// Whether reference `s` of kind `k` resolves, through the memo of those that did.
    fn memo(
        &mut self,
        k: usize,
        s: &str,
        check: impl FnOnce(&Self) -> Result<(), String>,
    ) -> Result<(), String> {
        if self.resolved[k].contains(s) {
            return Ok(());
        }
        check(self)?;
        self.resolved[k].insert(s.to_owned());
        Ok(())
    }

    fn role(&mut self, s: &str) -> Result<(), String> {
        self.memo(0, s, |n| n.role_uncached(s))
    }

    fn group(&mut self, s: &str) -> Result<(), String> {
        self.memo(1, s, |n| n.group_uncached(s))
    }

    fn scope(&mut self, s: &str, team: bool) -> Result<(), String> {
        self.memo(2 + usize::from(team), s, |n| n.scope_uncached(s, team))
    }

    /// Resolves a role reference as `Model::role_named` will once the document's roles exist.
    fn role_uncached(&self, s: &str) -> Result<(), String> {
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

    fn scope_uncached(&self, s: &str, team: bool) -> Result<(), String> {
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

    fn group_uncached(&self, s: &str) -> Result<(), String> {
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

/// A place in the document, `list[index]`: formatted only when a problem is found there (a
/// document of a million users has a million places and, usually, no problem).
#[derive(Clone, Copy)]
struct At(&'static str, usize);

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

impl Problems {
    fn add(&mut self, location: String, field: impl std::fmt::Display, reason: impl Into<String>) {
        self.0.push(ImportProblem {
            location,
            field: field.to_string(),
            reason: reason.into(),
        });
    }

    /// Records `r`'s error at `base.field`.
    fn check<T, E: std::fmt::Display>(
        &mut self,
        base: impl std::fmt::Display,
        field: impl std::fmt::Display,
        r: Result<T, E>,
    ) {
        if let Err(e) = r {
            self.add(format!("{base}.{field}"), &field, e.to_string());
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

pub(super) fn tenant_settings(t: &DocTenant) -> Result<TenantSettings, Error> {
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

/// Checks every record of `doc` for import into `tenant` of `m` at `now`.
pub(super) fn validate_doc(
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
            PasswordPolicy::from(&t.password_policy).validate(),
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
        resolved: Default::default(),
    };
    for (i, r) in doc.roles.iter().enumerate() {
        let base = At("roles", i);
        let ns = r.namespace.parse::<RoleNamespace>();
        pr.check(base, "namespace", ns.as_ref());
        pr.check(base, "name", validate::name("role name", &r.name));
        pr.check(base, "permissions", permissions(&r.permissions));
        pr.check(base, "denied", permissions(&r.denied));
        pr.check(base, "description", validate::description(&r.description));
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
                    base.to_string(),
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
        let base = At("scopes", i);
        let kind = s.kind.parse::<ScopeKind>();
        pr.check(base, "kind", kind.as_ref());
        pr.check(base, "name", validate::name("scope name", &s.name));
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
        let base = At("groups", i);
        pr.check(base, "name", validate::name("group name", &g.name));
        if !names.groups.insert(validate::fold(g.name.trim())) {
            pr.add(
                format!("{base}.name"),
                "name",
                "a second group of that name",
            );
        }
    }
    for (i, a) in doc.agreements.iter().enumerate() {
        let base = At("agreements", i);
        pr.check(base, "name", validate::name("agreement name", &a.name));
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
        let base = At("users", i);
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
            base,
            "first_name",
            validate::name("first name", &u.first_name),
        );
        pr.check(base, "last_name", validate::name("last name", &u.last_name));
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
            pr.check(At("scopes", i), "parent", names.scope(p, false));
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
            pr.check(At("groups", i), At("roles", j), names.role(r));
        }
    }
    for (i, u) in doc.users.iter().enumerate() {
        let base = At("users", i);
        for (j, r) in u.roles.iter().flatten().enumerate() {
            pr.check(base, At("roles", j), names.role(r));
        }
        for (j, g) in u.groups.iter().flatten().enumerate() {
            pr.check(base, At("groups", j), names.group(g));
        }
        for (j, s) in u.scopes.iter().flatten().enumerate() {
            pr.check(base, At("scopes", j), names.scope(s, false));
        }
        for (j, s) in u.teams.iter().flatten().enumerate() {
            pr.check(base, At("teams", j), names.scope(s, true));
        }
        for (j, g) in u.grants.iter().flatten().enumerate() {
            let f = At("grants", j);
            pr.check(
                base,
                f,
                names.role(&g.role).and(names.scope(&g.scope, false)),
            );
        }
        for (j, e) in u.eligible.iter().flatten().enumerate() {
            let f = At("eligible", j);
            let scope = e.scope.as_ref().map_or(Ok(()), |s| names.scope(s, false));
            pr.check(base, f, names.role(&e.role).and(scope));
            if !(1..=crate::MAX_ACTIVATION_MS).contains(&e.max_ms) {
                pr.add(
                    format!("{base}.{f}"),
                    f,
                    "max_ms must be between 1 ms and 31 days",
                );
            }
        }
        for (j, w) in u.windows.iter().flatten().enumerate() {
            let f = At("windows", j);
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
            pr.check(base, f, r);
            let window = Window {
                from: w.from,
                until: w.until,
            };
            if window.is_always() {
                pr.add(format!("{base}.{f}"), f, "a window has a start or an end");
            } else {
                pr.check(base, f, window.validate(now));
            }
        }
    }
    for (i, a) in doc.agreements.iter().enumerate() {
        let base = At("agreements", i);
        pr.check(base, "owner", names.user(&a.owner));
        for (j, l) in a.levels.iter().enumerate() {
            let f = At("levels", j);
            pr.check(base, f, names.user(&l.user));
            if validate::email_key(l.user.trim()) == validate::email_key(a.owner.trim()) {
                pr.add(format!("{base}.{f}"), f, "the owner's level is owner");
            }
            for (p, lv) in &l.levels {
                pr.check(base, f, p.parse::<Product>());
                match lv.parse::<AccessLevel>() {
                    Ok(AccessLevel::Owner) => pr.add(
                        format!("{base}.{f}"),
                        f,
                        "owner is appointed as the agreement's owner",
                    ),
                    r => pr.check(base, f, r),
                }
            }
        }
        for (j, l) in a.pbx.iter().enumerate() {
            let f = At("pbx", j);
            pr.check(base, f, names.user(&l.user));
            pr.check(base, f, validate::name("PBX subscriber", &l.subscriber));
        }
    }
    (pr.0, phones)
}

/// The document's scopes, parents before children; `Err(i)` for a scope in a cycle.
pub(super) fn scope_order(doc: &TenantDocument) -> Result<Vec<usize>, usize> {
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
