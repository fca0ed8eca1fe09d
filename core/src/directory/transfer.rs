//! Import and export of a tenant as one document ([`TenantDocument`]), and the CSV of users.

use crate::audit::AuditAction;
use crate::domain::rules::Actor;
use crate::domain::{Permission, UserId};
use crate::transfer::{self, ExportOptions, ImportReport, TenantDocument};
use crate::{Error, Simulation};

use super::Directory;

impl Directory {
    /// The rights an export needs: reading users, roles and groups tenant-wide (unscoped).
    pub const EXPORT_RIGHTS: Permission = Permission::USERS_VIEW
        .union(Permission::ROLES_VIEW)
        .union(Permission::GROUPS_VIEW);

    /// Exports the actor's tenant as one document: settings, roles (built-in ones included),
    /// scopes, groups, users with everything they hold, agreements with levels and PBX links,
    /// referenced by name and email. The order is deterministic: the same state always gives
    /// the same document. Audit events are not part of it
    /// ([`export_audit`](Self::export_audit)).
    ///
    /// The actor needs an administrator's reading rights, [`EXPORT_RIGHTS`](Self::EXPORT_RIGHTS)
    /// (`users.view`, `roles.view`, `groups.view`) held unscoped; password hashes
    /// ([`ExportOptions::password_hashes`]) only leave for the superadministrator.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without the reading rights; [`Error::SuperadminOnly`] when
    /// another user asks for password hashes; [`Error::UnknownUser`] and
    /// [`Error::ActorInactive`] for the actor; [`Error::Closed`] after
    /// [`close`](Self::close).
    pub fn export_tenant(
        &self,
        actor: UserId,
        options: &ExportOptions,
    ) -> Result<TenantDocument, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let m = self.read();
        let a = Actor::load(&m, actor)?;
        if !a.superadmin {
            let missing = Self::EXPORT_RIGHTS - a.eff.unscoped;
            if !missing.is_empty() {
                return Err(Error::PermissionDenied { required: missing });
            }
            if options.password_hashes {
                return Err(Error::SuperadminOnly {
                    action: "export password hashes",
                });
            }
        }
        Ok(transfer::export(&m, a.tenant(), options.password_hashes))
    }

    /// Imports a document into the actor's tenant, as the actor, in one atomic commit that
    /// passes every rule, exactly as the same changes made one by one would (creating a user
    /// needs `users.manage`, every role given is a grant, ...).
    ///
    /// Records are matched by name (users by email, compared as logins are): missing ones are
    /// created, differing ones updated, equal ones left untouched, so that importing the same
    /// document again changes nothing (no commit; the report says `changed: false`). Nothing
    /// absent from the document is deleted. A user's list left out (`null`) leaves what it
    /// holds as it is. Built-in roles install their preset when missing. The tenant's name and
    /// superadministrator are informative: an import never renames the tenant nor appoints
    /// another superadministrator.
    ///
    /// # Errors
    /// [`Error::InvalidImport`] with every problem of the input at once (bad names, emails,
    /// phones, unknown references, duplicates inside the document), before anything is
    /// planned; then the first refusal of a rule, with its own error
    /// ([`Error::PermissionDenied`], [`Error::Escalation`], [`Error::SuperadminOnly`] — also
    /// for password hashes imported by another user —, [`Error::DuplicateEmail`], ...); and
    /// the errors of [every change](Directory#errors-of-every-change). Nothing is applied on
    /// any error.
    pub fn import_tenant(
        &self,
        actor: UserId,
        doc: &TenantDocument,
    ) -> Result<ImportReport, Error> {
        let mut report = self.write(Some(actor), AuditAction::ImportTenant, |p| {
            let mut r = transfer::plan_import(p, actor, doc)?;
            r.changed = !p.changes.is_empty();
            p.detail = Some(summary(&r));
            Ok(r)
        })?;
        report.revision = self.revision();
        Ok(report)
    }

    /// Imports users from CSV text into the actor's tenant, as
    /// [`import_tenant`](Self::import_tenant) imports a document holding only those users.
    ///
    /// The first row names the columns, in any order: `email`, `first_name`, `last_name`
    /// (required), `phone`, `external_id`, `active` (`true`/`false`, default true), `roles`,
    /// `groups`, `teams`, `scopes` (lists separated by `;`, by name: roles as `name` or
    /// `namespace/name`, scopes as `kind/name`). A list column present is what each user holds
    /// afterwards (an empty cell: nothing); a column left out leaves it as it is. An unknown
    /// column is an error.
    ///
    /// # Errors
    /// [`Error::InvalidImport`] with every problem at once, located by CSV line (`line 3`),
    /// or for a text longer than [`TenantDocument::MAX_TEXT_BYTES`] (nothing read); then as
    /// [`import_tenant`](Self::import_tenant).
    pub fn import_users_csv(&self, actor: UserId, csv: &str) -> Result<ImportReport, Error> {
        let (doc, lines) = transfer::users_document(csv)?;
        self.import_tenant(actor, &doc)
            .map_err(|e| transfer::relocate(e, &lines))
    }
}

/// Dry runs of imports.
impl Directory {
    /// Plans [`import_tenant`](Self::import_tenant) without committing it: the same report,
    /// and the [`Impact`](crate::Impact) (who would gain and lose which rights, scopes, levels
    /// and PBX links), computed on a throwaway fork ([`simulate`](Self::simulate)).
    ///
    /// # Errors
    /// As [`import_tenant`](Self::import_tenant): nothing is committed either way.
    pub fn plan_import(
        &self,
        actor: UserId,
        doc: &TenantDocument,
    ) -> Result<Simulation<ImportReport>, Error> {
        self.simulate(|fork| fork.import_tenant(actor, doc))
    }

    /// Plans [`import_users_csv`](Self::import_users_csv) without committing it, as
    /// [`plan_import`](Self::plan_import).
    ///
    /// # Errors
    /// As [`import_users_csv`](Self::import_users_csv).
    pub fn plan_users_csv(
        &self,
        actor: UserId,
        csv: &str,
    ) -> Result<Simulation<ImportReport>, Error> {
        self.simulate(|fork| fork.import_users_csv(actor, csv))
    }
}

/// A one-line summary of an import, for its audit event.
fn summary(r: &ImportReport) -> String {
    let kinds = [
        ("roles", &r.roles),
        ("scopes", &r.scopes),
        ("groups", &r.groups),
        ("users", &r.users),
        ("agreements", &r.agreements),
    ];
    let parts: Vec<String> = kinds
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}: {} created, {} updated, {} unchanged",
                v.created.len(),
                v.updated.len(),
                v.unchanged
            )
        })
        .collect();
    format!("import: {}", parts.join("; "))
}
