//! Planning for agreements: creation, access levels, ownership and PBX subscriber links.

use super::Plan;
use crate::domain::model::NameKind;
use crate::domain::rules::Actor;
use crate::domain::ObjectKind;
use crate::domain::{
    validate, AccessLevel, Agreement, AgreementId, Change, Permission, Product, UserId,
};
use crate::Error;

impl<'m> Plan<'m> {
    pub fn create_agreement(
        &mut self,
        actor: UserId,
        name: &str,
        owner: UserId,
    ) -> Result<AgreementId, Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::AGREEMENTS_MANAGE)?;
        let name = validate::name("agreement name", name)?;
        self.unique(a.tenant(), NameKind::Agreement, "agreement", &name, 0)?;
        if !self.m.user_in(a.tenant(), owner)?.active {
            return Err(Error::InactiveOwner {
                user: owner,
                email: self.m.email_of(owner),
            });
        }
        let id = AgreementId(self.alloc(ObjectKind::Agreement));
        self.changes.push(Change::AgreementPut(Agreement {
            id,
            tenant: a.tenant(),
            name,
            owner,
            created_at: self.now,
        }));
        Ok(id)
    }

    pub fn set_access_level(
        &mut self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        product: Product,
        level: AccessLevel,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.ensure_may_set_level(self.m, agreement, user, product, level)?;
        if self.m.agreements[&agreement].level(user, product) != level {
            self.changes.push(Change::LevelSet {
                agreement,
                user,
                product,
                level,
            });
        }
        Ok(())
    }

    pub fn transfer_ownership(
        &mut self,
        actor: UserId,
        agreement: AgreementId,
        new_owner: UserId,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.ensure_may_appoint_owner(self.m, agreement)?;
        let meta = self.m.agreement_in(a.tenant(), agreement)?;
        let former = meta.owner;
        let target = self.m.user_in(a.tenant(), new_owner)?;
        if new_owner == former {
            return Ok(());
        }
        // One active Owner per agreement, always.
        if !target.active {
            return Err(Error::InactiveOwner {
                user: new_owner,
                email: self.m.email_of(new_owner),
            });
        }
        let mut meta = meta.clone();
        meta.owner = new_owner;
        self.changes.push(Change::AgreementPut(meta));
        for product in Product::ALL {
            self.changes.push(Change::LevelSet {
                agreement,
                user: former,
                product,
                level: AccessLevel::Administrator,
            });
        }
        Ok(())
    }

    pub fn link_pbx_subscriber(
        &mut self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        subscriber: Option<&str>,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.ensure_may_link(self.m, agreement, user, subscriber.is_some())?;
        let subscriber = subscriber
            .map(|s| validate::name("subscriber", s))
            .transpose()?;
        let st = &self.m.agreements[&agreement];
        if st.pbx.get(&user) != subscriber.as_ref() {
            self.changes.push(Change::PbxLinkSet {
                agreement,
                user,
                subscriber,
            });
        }
        Ok(())
    }
}
