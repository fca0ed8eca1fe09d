//! Export: the model's records of one tenant as a [`TenantDocument`], in a deterministic order.

use std::collections::BTreeMap;

use super::document::*;
use crate::domain::model::Model;
use crate::domain::{AccessLevel, Assignment, Permission, Product, ScopeId, TenantId};

/// Permission names, in catalogue order.
pub(super) fn perm_names(p: Permission) -> Vec<String> {
    p.names().into_iter().map(str::to_owned).collect()
}

/// `kind/name` of a scope.
pub(super) fn scope_ref(m: &Model, id: ScopeId) -> String {
    m.scopes
        .get(&id)
        .map_or_else(|| id.to_string(), |s| format!("{}/{}", s.kind, s.name))
}

fn role_ref(m: &Model, id: crate::RoleId) -> String {
    m.roles
        .get(&id)
        .map_or_else(|| id.to_string(), |r| r.qualified_name())
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The document of `tenant` (which exists), with password hashes when `hashes`.
pub(crate) fn export(m: &Model, tenant: TenantId, hashes: bool) -> TenantDocument {
    let Some(t) = m.tenants.get(&tenant) else {
        return TenantDocument::new();
    };
    let mut doc = TenantDocument::new();
    let mut rules: Vec<DocSodRule> = t
        .settings
        .separation_of_duty
        .iter()
        .map(|r| DocSodRule {
            name: r.name.clone(),
            first: perm_names(r.first),
            second: perm_names(r.second),
        })
        .collect();
    rules.sort_by(|a, b| a.name.cmp(&b.name));
    let p = &t.policy;
    doc.tenant = Some(DocTenant {
        name: t.name.clone(),
        superadmin: m.email_of(t.superadmin),
        strict_agreement_levels: t.settings.strict_agreement_levels,
        phone_region: t.settings.phone_region.clone(),
        separation_of_duty: rules,
        password_policy: DocPasswordPolicy::from(p),
    });

    let mut roles: Vec<DocRole> = m
        .roles
        .values()
        .filter(|r| r.tenant == tenant)
        .map(|r| DocRole {
            namespace: r.namespace.name().to_owned(),
            name: r.name.clone(),
            permissions: perm_names(r.permissions),
            denied: perm_names(r.denied),
            scoped: r.scoped,
            admin_tier: r.admin_tier,
            description: r.description.clone(),
        })
        .collect();
    roles.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    doc.roles = roles;

    let mut scopes: Vec<DocScope> = m
        .scopes
        .values()
        .filter(|s| s.tenant == tenant)
        .map(|s| DocScope {
            kind: s.kind.name().to_owned(),
            name: s.name.clone(),
            parent: s.parent.map(|p| scope_ref(m, p)),
        })
        .collect();
    scopes.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
    doc.scopes = scopes;

    let mut groups: Vec<DocGroup> = m
        .groups
        .values()
        .filter(|g| g.tenant == tenant)
        .map(|g| DocGroup {
            name: g.name.clone(),
            roles: sorted(g.roles.iter().map(|r| role_ref(m, *r)).collect()),
        })
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    doc.groups = groups;

    let agreement_name = |a| m.agreement_name(a);
    // Each role's, scope's and group's reference, made once (users repeat them).
    let role_names: std::collections::HashMap<crate::RoleId, String> = m
        .roles
        .values()
        .filter(|r| r.tenant == tenant)
        .map(|r| (r.id, r.qualified_name()))
        .collect();
    let scope_names: std::collections::HashMap<ScopeId, String> = m
        .scopes
        .values()
        .filter(|s| s.tenant == tenant)
        .map(|s| (s.id, scope_ref(m, s.id)))
        .collect();
    let role_ref = |id: crate::RoleId| {
        role_names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| role_ref(m, id))
    };
    let scope_ref = |id: ScopeId| {
        scope_names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| scope_ref(m, id))
    };
    let empty = Default::default();
    let members = m.tenant_users.get(&tenant).unwrap_or(&empty);
    let mut users: Vec<DocUser> = Vec::with_capacity(members.len());
    for id in members {
        let Some(u) = m.users.get(id) else { continue };
        let assignment = |a: &Assignment| match *a {
            Assignment::Role(r) => DocAssignment::Role(role_ref(r)),
            Assignment::ScopeRole(g) => DocAssignment::ScopeRole(DocGrant {
                role: role_ref(g.role),
                scope: scope_ref(g.scope),
            }),
            Assignment::Group(g) => DocAssignment::Group(
                m.groups
                    .get(&g)
                    .map_or_else(|| g.to_string(), |g| g.name.clone()),
            ),
            Assignment::Scope(s) => DocAssignment::Scope(scope_ref(s)),
            Assignment::Level { agreement, product } => DocAssignment::Level {
                agreement: agreement_name(agreement),
                product: product.name().to_owned(),
            },
            Assignment::Pbx(a) => DocAssignment::Pbx(agreement_name(a)),
        };
        let mut windows: Vec<DocWindow> = u
            .windows
            .iter()
            .map(|(a, w)| DocWindow {
                assignment: assignment(a),
                from: w.from,
                until: w.until,
            })
            .collect();
        windows.sort();
        let mut grants: Vec<DocGrant> = u
            .grants
            .iter()
            .map(|g| DocGrant {
                role: role_ref(g.role),
                scope: scope_ref(g.scope),
            })
            .collect();
        grants.sort();
        let mut eligible: Vec<DocEligibility> = u
            .eligible
            .iter()
            .map(|e| DocEligibility {
                role: role_ref(e.role),
                scope: e.scope.map(&scope_ref),
                max_ms: e.max_ms,
            })
            .collect();
        eligible.sort();
        let groups = m.user_groups.get(id).map_or_else(Vec::new, |gs| {
            sorted(
                gs.iter()
                    .filter_map(|g| m.groups.get(g).map(|g| g.name.clone()))
                    .collect(),
            )
        });
        let password = if hashes {
            m.credentials.get(id).map(|c| DocPassword {
                hash: c.hash.clone(),
                must_change: c.must_change,
            })
        } else {
            None
        };
        let doc_user = DocUser {
            email: u.email.clone(),
            external_id: u.external_id.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            phone: u.phone.clone(),
            active: u.active,
            roles: Some(sorted(u.roles.iter().map(|r| role_ref(*r)).collect())),
            groups: Some(groups),
            scopes: Some(sorted(u.scopes.iter().map(|s| scope_ref(*s)).collect())),
            teams: Some(sorted(u.teams.iter().map(|s| scope_ref(*s)).collect())),
            grants: Some(grants),
            windows: Some(windows),
            eligible: Some(eligible),
            break_glass: Some(u.break_glass),
            password,
        };
        users.push(doc_user);
    }
    users.sort_unstable_by(|a, b| a.email.cmp(&b.email));
    doc.users = users;

    let mut agreements: Vec<DocAgreement> = Vec::new();
    for st in m.agreements.values() {
        let Some(meta) = st.meta.as_ref().filter(|a| a.tenant == tenant) else {
            continue;
        };
        let mut levels: Vec<DocLevels> = st
            .levels
            .iter()
            .filter(|(u, _)| **u != meta.owner)
            .filter_map(|(u, l)| {
                let map: BTreeMap<String, String> = Product::ALL
                    .iter()
                    .map(|p| (*p, l[*p as usize]))
                    .filter(|(_, l)| *l != AccessLevel::NoAccess)
                    .map(|(p, l)| (p.name().to_owned(), l.name().to_owned()))
                    .collect();
                (!map.is_empty()).then(|| DocLevels {
                    user: m.email_of(*u),
                    levels: map,
                })
            })
            .collect();
        levels.sort_by(|a, b| a.user.cmp(&b.user));
        let mut pbx: Vec<DocPbxLink> = st
            .pbx
            .iter()
            .map(|(u, s)| DocPbxLink {
                user: m.email_of(*u),
                subscriber: s.clone(),
            })
            .collect();
        pbx.sort_by(|a, b| a.user.cmp(&b.user));
        agreements.push(DocAgreement {
            name: meta.name.clone(),
            owner: m.email_of(meta.owner),
            levels,
            pbx,
        });
    }
    agreements.sort_by(|a, b| a.name.cmp(&b.name));
    doc.agreements = agreements;
    doc
}
