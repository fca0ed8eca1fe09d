//! What a snapshot says a user holds, read whole rather than checked one permission at a time:
//! for the impact report of a simulated change (see `Directory::simulate`), which compares
//! two snapshots, the one checks read before the change and the one they would read after.

use std::sync::Arc;

use super::profiles::ACTIVE;
use super::scopes::ScopeTable;
use super::Snapshot;
use crate::domain::{AgreementId, Permission, ScopeId, UserId};

impl Snapshot {
    /// A copy of this snapshot that a directory of its own may update: it shares every chunk
    /// and page (copied when written), but not the writer's bookkeeping of profiles.
    pub(crate) fn detached(&self) -> Snapshot {
        Snapshot {
            profiles: self.profiles.detached(),
            ..self.clone()
        }
    }

    /// Whether `user` exists in this snapshot, and whether it is active.
    pub(crate) fn user_state(&self, user: UserId) -> Option<bool> {
        self.entry(user).map(|p| p.flags & ACTIVE != 0)
    }

    /// The rights `user` holds, as checks read them: each single permission held for every
    /// scope (`None`), and each held only on some scopes with the topmost scopes it is held on
    /// (a right held on a scope and again below it is listed once, on the scope above; one
    /// held unscoped is never listed for a scope). Sorted; empty for an unknown user.
    pub(crate) fn rights_of(&self, user: UserId) -> Vec<(Permission, Option<ScopeId>)> {
        let Some(p) = self.entry(user) else {
            return Vec::new();
        };
        let mut out: Vec<(Permission, Option<ScopeId>)> =
            Permission::from_bits_retain(p.unscoped & p.perms)
                .singles()
                .map(|s| (s, None))
                .collect();
        let grants = p.grants.as_deref().unwrap_or_default();
        for (g, gp) in grants {
            let slot = self.scopes.slot(*g);
            let mut above = p.unscoped;
            if slot.tenant != 0 {
                for (h, hp) in grants {
                    let hs = self.scopes.slot(*h);
                    if h != g && hs.tenant != 0 && ScopeTable::within(hs, slot) {
                        above |= hp;
                    }
                }
            }
            out.extend(
                Permission::from_bits_retain(gp & p.perms & !above)
                    .singles()
                    .map(|s| (s, Some(*g))),
            );
        }
        out.sort_unstable_by_key(|(p, s)| (*s, p.bits()));
        out
    }

    /// The teams `user` is a member of, sorted.
    pub(crate) fn teams_of(&self, user: UserId) -> Vec<ScopeId> {
        self.entry(user)
            .and_then(|p| p.teams.as_deref())
            .map(<[ScopeId]>::to_vec)
            .unwrap_or_default()
    }

    /// The users with a level or a PBX link on `agreement`, and its owner.
    pub(crate) fn agreement_users(&self, agreement: AgreementId) -> Vec<UserId> {
        let Some(a) = self.agreements.get(&agreement) else {
            return Vec::new();
        };
        let mut out: Vec<UserId> = a.levels.keys().chain(a.pbx.keys()).copied().collect();
        out.push(a.owner);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The virtual-PBX subscriber `user` may listen to and call for on `agreement`, as
    /// [`may_use_subscriber`](Snapshot::may_use_subscriber) answers.
    pub(crate) fn pbx_link(&self, agreement: AgreementId, user: UserId) -> Option<Arc<str>> {
        let sub = self.agreements.get(&agreement)?.pbx.get(&user)?.clone();
        self.may_use_subscriber(agreement, user, &sub)
            .then_some(sub)
    }
}
