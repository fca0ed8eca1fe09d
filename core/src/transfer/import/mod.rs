//! Import: every record of the document is validated first (every problem reported at once,
//! [`verify`]), then planned with the ordinary operations, step after step, each against a
//! scratch copy of the model to which the earlier steps' changes were applied; the outer plan
//! gathers every change for one commit. References by name are resolved in [`find`].

mod find;
mod verify;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::document::*;
use crate::domain::model::{Affected, Model, NameKind};
use crate::domain::rules::Actor;
use crate::domain::{
    validate, AccessLevel, AgreementId, Assignment, Eligibility, GroupId, Permission, Product,
    RoleId, RoleNamespace, ScopeGrant, ScopeId, ScopeKind, SodRule, TimedGrant, UserId, Window,
};
use crate::ops::{Hashed, NewRole, NewUser, PhoneMemo, Plan, RolePatch, UserPatch};
use crate::Error;

use self::find::{Find, Memo};
use self::verify::{permissions, scope_order, tenant_settings, validate_doc};

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
        // The step's changes join the outer plan's. A bulk step (the new users: a record and a
        // membership each) outweighs all the others: the few earlier changes go in front of
        // its vector rather than a million records being copied behind them.
        if changes.len() > self.outer.changes.len() {
            let earlier = std::mem::replace(&mut self.outer.changes, changes);
            self.outer.changes.splice(0..0, earlier);
        } else {
            self.outer.changes.extend(changes);
        }
        Ok((out, changed))
    }

    fn step(&mut self, f: impl FnOnce(&mut Plan<'_>) -> Result<(), Error>) -> Result<bool, Error> {
        self.run(true, f).map(|(_, changed)| changed)
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
        let pol = crate::PasswordPolicy::from(&t.password_policy);
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
    let mut memo = Memo::default();
    for (i, du) in doc.users.iter().enumerate() {
        let find = Find { m: st.m(), tenant };
        let roles = du
            .roles
            .as_deref()
            .map(|v| memo.roles(&find, v))
            .transpose()?;
        let scopes = du
            .scopes
            .as_deref()
            .map(|v| memo.scopes(&find, v, false))
            .transpose()?;
        let teams = du
            .teams
            .as_deref()
            .map(|v| memo.scopes(&find, v, true))
            .transpose()?;
        let grants = du
            .grants
            .as_deref()
            .map(|v| memo.grants(&find, v))
            .transpose()?;
        let groups = du
            .groups
            .as_deref()
            .map(|v| memo.groups(&find, v))
            .transpose()?;
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
