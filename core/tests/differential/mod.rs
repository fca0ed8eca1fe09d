//! The operations of the differential tests (memory against a store): a random operation,
//! applied to a directory with its outcome as a comparable string, and every check's answer.
#![allow(dead_code)]

use proptest::prelude::*;
use rolecall::{
    AccessLevel, Directory, HashParams, NewRole, NewUser, Permission, Product, RolePatch,
    ScopeKind, UserId, UserPatch,
};

pub const FAST: HashParams = HashParams {
    m_kib: 64,
    t: 1,
    p: 1,
};

#[derive(Clone, Debug)]
pub enum Op {
    CreateUser {
        actor: usize,
        roles: Vec<usize>,
        password: bool,
    },
    UpdateEmail {
        actor: usize,
        user: usize,
        n: u8,
    },
    SetActive {
        actor: usize,
        user: usize,
        active: bool,
    },
    AssignRole {
        actor: usize,
        user: usize,
        role: usize,
    },
    RevokeRole {
        actor: usize,
        user: usize,
        role: usize,
    },
    DeleteUser {
        actor: usize,
        user: usize,
    },
    CreateRole {
        actor: usize,
        mask: u16,
        scoped: bool,
    },
    UpdateRole {
        actor: usize,
        role: usize,
        mask: u16,
    },
    DeleteRole {
        actor: usize,
        role: usize,
    },
    CreateGroup {
        actor: usize,
        roles: Vec<usize>,
    },
    AddGroupRole {
        actor: usize,
        group: usize,
        role: usize,
    },
    AddMember {
        actor: usize,
        group: usize,
        user: usize,
    },
    RemoveMember {
        actor: usize,
        group: usize,
        user: usize,
    },
    DeleteGroup {
        actor: usize,
        group: usize,
    },
    CreateScope {
        actor: usize,
        ivr: bool,
    },
    AssignScope {
        actor: usize,
        user: usize,
        scope: usize,
    },
    DeleteScope {
        actor: usize,
        scope: usize,
    },
    CreateAgreement {
        actor: usize,
        owner: usize,
    },
    SetLevel {
        actor: usize,
        agreement: usize,
        user: usize,
        product: usize,
        level: usize,
    },
    Transfer {
        actor: usize,
        agreement: usize,
        user: usize,
    },
    LinkPbx {
        actor: usize,
        agreement: usize,
        user: usize,
        sub: Option<u8>,
    },
    SetPassword {
        actor: usize,
        user: usize,
    },
    Login {
        user: usize,
        right: bool,
    },
    Tick,
}

pub fn op() -> impl Strategy<Value = Op> {
    let i = || 0usize..64;
    prop_oneof![
        (i(), prop::collection::vec(i(), 0..3), any::<bool>()).prop_map(
            |(actor, roles, password)| Op::CreateUser {
                actor,
                roles,
                password
            }
        ),
        (i(), i(), any::<u8>()).prop_map(|(actor, user, n)| Op::UpdateEmail { actor, user, n }),
        (i(), i(), any::<bool>()).prop_map(|(actor, user, active)| Op::SetActive {
            actor,
            user,
            active
        }),
        (i(), i(), i()).prop_map(|(actor, user, role)| Op::AssignRole { actor, user, role }),
        (i(), i(), i()).prop_map(|(actor, user, role)| Op::RevokeRole { actor, user, role }),
        (i(), i()).prop_map(|(actor, user)| Op::DeleteUser { actor, user }),
        (i(), any::<u16>(), any::<bool>()).prop_map(|(actor, mask, scoped)| Op::CreateRole {
            actor,
            mask,
            scoped
        }),
        (i(), i(), any::<u16>()).prop_map(|(actor, role, mask)| Op::UpdateRole {
            actor,
            role,
            mask
        }),
        (i(), i()).prop_map(|(actor, role)| Op::DeleteRole { actor, role }),
        (i(), prop::collection::vec(i(), 0..3))
            .prop_map(|(actor, roles)| Op::CreateGroup { actor, roles }),
        (i(), i(), i()).prop_map(|(actor, group, role)| Op::AddGroupRole { actor, group, role }),
        (i(), i(), i()).prop_map(|(actor, group, user)| Op::AddMember { actor, group, user }),
        (i(), i(), i()).prop_map(|(actor, group, user)| Op::RemoveMember { actor, group, user }),
        (i(), i()).prop_map(|(actor, group)| Op::DeleteGroup { actor, group }),
        (i(), any::<bool>()).prop_map(|(actor, ivr)| Op::CreateScope { actor, ivr }),
        (i(), i(), i()).prop_map(|(actor, user, scope)| Op::AssignScope { actor, user, scope }),
        (i(), i()).prop_map(|(actor, scope)| Op::DeleteScope { actor, scope }),
        (i(), i()).prop_map(|(actor, owner)| Op::CreateAgreement { actor, owner }),
        (i(), i(), i(), 0usize..7, 0usize..4).prop_map(
            |(actor, agreement, user, product, level)| Op::SetLevel {
                actor,
                agreement,
                user,
                product,
                level
            }
        ),
        (i(), i(), i()).prop_map(|(actor, agreement, user)| Op::Transfer {
            actor,
            agreement,
            user
        }),
        (i(), i(), i(), prop::option::of(0u8..3)).prop_map(|(actor, agreement, user, sub)| {
            Op::LinkPbx {
                actor,
                agreement,
                user,
                sub,
            }
        }),
        (i(), i()).prop_map(|(actor, user)| Op::SetPassword { actor, user }),
        (i(), any::<bool>()).prop_map(|(user, right)| Op::Login { user, right }),
        Just(Op::Tick),
    ]
}

/// The permissions custom roles are drawn from: a mask picks among these.
const POOL: [Permission; 12] = [
    Permission::USERS_VIEW,
    Permission::USERS_MANAGE,
    Permission::ROLES_MANAGE,
    Permission::GROUPS_MANAGE,
    Permission::SCOPES_MANAGE,
    Permission::CAMPAIGNS_VIEW,
    Permission::CAMPAIGNS_CONTROL,
    Permission::REPORTS_VIEW,
    Permission::DASHBOARD_ANALYTICS,
    Permission::DASHBOARD_LOGS,
    Permission::BILLING_MANAGE,
    Permission::AGREEMENTS_MANAGE,
];

fn mask_perms(mask: u16) -> Permission {
    POOL.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .fold(Permission::empty(), |a, (_, p)| a | *p)
}

fn pick<T: Copy>(v: &[T], i: usize) -> Option<T> {
    (!v.is_empty()).then(|| v[i % v.len()])
}

/// Applies one op to `d`, resolving indices against `d`'s lists. Returns the outcome as a
/// comparable string.
pub fn apply(d: &Directory, op: &Op, n: usize) -> String {
    let reference = d;
    let tenants = reference.tenants();
    let users: Vec<UserId> = tenants
        .iter()
        .flat_map(|t| {
            reference
                .search_users(
                    t.id,
                    &rolecall::UserQuery {
                        limit: 1000,
                        ..Default::default()
                    },
                )
                .unwrap()
                .items
                .into_iter()
                .map(|u| u.id)
        })
        .collect();
    let roles: Vec<_> = tenants
        .iter()
        .flat_map(|t| reference.roles(t.id).unwrap())
        .map(|r| r.id)
        .collect();
    let groups: Vec<_> = tenants
        .iter()
        .flat_map(|t| reference.groups(t.id).unwrap())
        .map(|g| g.id)
        .collect();
    let scopes: Vec<_> = tenants
        .iter()
        .flat_map(|t| reference.scopes(t.id).unwrap())
        .map(|s| s.id)
        .collect();
    let agreements: Vec<_> = tenants
        .iter()
        .flat_map(|t| reference.agreements(t.id).unwrap())
        .map(|a| a.id)
        .collect();
    let u = |i| pick(&users, i).unwrap_or(UserId(999));
    let r = |i| pick(&roles, i).unwrap_or(rolecall::RoleId(999));
    let g = |i| pick(&groups, i).unwrap_or(rolecall::GroupId(999));
    let s = |i| pick(&scopes, i).unwrap_or(rolecall::ScopeId(999));
    let a = |i| pick(&agreements, i).unwrap_or(rolecall::AgreementId(999));
    let res: Result<String, rolecall::Error> = match op {
        Op::CreateUser {
            actor,
            roles,
            password,
        } => {
            let mut nu = NewUser::new("User", format!("N{n}"), format!("user{n}@x.test"))
                .roles(roles.iter().map(|i| r(*i)));
            if *password {
                nu = nu.password("purple monkey dishwasher");
            }
            d.create_user(u(*actor), &nu).map(|id| id.to_string())
        }
        Op::UpdateEmail { actor, user, n } => d
            .update_user(
                u(*actor),
                u(*user),
                &UserPatch {
                    email: Some(format!("mail{n}@x.test")),
                    ..Default::default()
                },
            )
            .map(|_| String::new()),
        Op::SetActive {
            actor,
            user,
            active,
        } => d
            .set_active(u(*actor), u(*user), *active)
            .map(|_| String::new()),
        Op::AssignRole { actor, user, role } => d
            .assign_role(u(*actor), u(*user), r(*role))
            .map(|_| String::new()),
        Op::RevokeRole { actor, user, role } => d
            .revoke_role(u(*actor), u(*user), r(*role))
            .map(|_| String::new()),
        Op::DeleteUser { actor, user } => d.delete_user(u(*actor), u(*user)).map(|_| String::new()),
        Op::CreateRole {
            actor,
            mask,
            scoped,
        } => {
            let mut nr = NewRole::new(format!("Role {n}"), mask_perms(*mask));
            nr.scoped = *scoped;
            d.create_role(u(*actor), &nr).map(|id| id.to_string())
        }
        Op::UpdateRole { actor, role, mask } => d
            .update_role(
                u(*actor),
                r(*role),
                &RolePatch {
                    permissions: Some(mask_perms(*mask)),
                    ..Default::default()
                },
            )
            .map(|_| String::new()),
        Op::DeleteRole { actor, role } => d.delete_role(u(*actor), r(*role)).map(|_| String::new()),
        Op::CreateGroup { actor, roles } => {
            let ids: Vec<_> = roles.iter().map(|i| r(*i)).collect();
            d.create_group(u(*actor), &format!("Group {n}"), &ids)
                .map(|id| id.to_string())
        }
        Op::AddGroupRole { actor, group, role } => d
            .add_group_role(u(*actor), g(*group), r(*role))
            .map(|_| String::new()),
        Op::AddMember { actor, group, user } => d
            .add_member(u(*actor), g(*group), u(*user))
            .map(|_| String::new()),
        Op::RemoveMember { actor, group, user } => d
            .remove_member(u(*actor), g(*group), u(*user))
            .map(|_| String::new()),
        Op::DeleteGroup { actor, group } => {
            d.delete_group(u(*actor), g(*group)).map(|_| String::new())
        }
        Op::CreateScope { actor, ivr } => {
            let kind = if *ivr {
                ScopeKind::Ivr
            } else {
                ScopeKind::CallGroup
            };
            d.create_scope(u(*actor), kind, &format!("Scope {n}"))
                .map(|id| id.to_string())
        }
        Op::AssignScope { actor, user, scope } => d
            .assign_scope(u(*actor), u(*user), s(*scope))
            .map(|_| String::new()),
        Op::DeleteScope { actor, scope } => {
            d.delete_scope(u(*actor), s(*scope)).map(|_| String::new())
        }
        Op::CreateAgreement { actor, owner } => d
            .create_agreement(u(*actor), &format!("Agreement {n}"), u(*owner))
            .map(|id| id.to_string()),
        Op::SetLevel {
            actor,
            agreement,
            user,
            product,
            level,
        } => d
            .set_access_level(
                u(*actor),
                a(*agreement),
                u(*user),
                Product::ALL[*product],
                AccessLevel::ALL[*level],
            )
            .map(|_| String::new()),
        Op::Transfer {
            actor,
            agreement,
            user,
        } => d
            .transfer_ownership(u(*actor), a(*agreement), u(*user))
            .map(|_| String::new()),
        Op::LinkPbx {
            actor,
            agreement,
            user,
            sub,
        } => {
            let sub = sub.map(|x| format!("sub-{x}"));
            d.link_pbx_subscriber(u(*actor), a(*agreement), u(*user), sub.as_deref())
                .map(|_| String::new())
        }
        Op::SetPassword { actor, user } => d
            .set_password(u(*actor), u(*user), "a fresh long passphrase", true)
            .map(|_| String::new()),
        Op::Login { user, right } => {
            let Ok(rec) = reference.user(u(*user)) else {
                return "no such user".into();
            };
            let pw = if *right {
                "purple monkey dishwasher"
            } else {
                "wrong long passphrase"
            };
            d.login(rec.tenant, &rec.email, pw)
                .map(|s| format!("{} {}", s.user, s.must_change_password))
        }
        Op::Tick => Ok(String::new()),
    };
    match res {
        Ok(v) => format!("ok {v}"),
        Err(e) => format!("err {}", e.kind()),
    }
}

pub fn answers(d: &Directory, users: &[UserId], scopes: &[rolecall::ScopeId]) -> Vec<bool> {
    let mut out = Vec::new();
    for u in users {
        for (p, _) in rolecall::CATALOGUE {
            out.push(d.check(*u, *p));
            for s in scopes {
                out.push(d.check_scoped(*u, *p, *s));
            }
        }
        out.push(d.session_valid(*u, d.security_stamp(*u).unwrap_or(0)));
    }
    out
}
