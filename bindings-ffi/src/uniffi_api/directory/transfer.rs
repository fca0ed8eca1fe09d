// Import and export of a tenant as one JSON document, and the CSV of users: JSON text in and
// out. (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

#[uniffi::export]
impl Directory {
    /// The actor's tenant as one JSON document (`rolecall.tenant`, version 1), referenced by
    /// name and email, in a deterministic order. Needs `users.view`, `roles.view` and
    /// `groups.view` held unscoped; `password_hashes` only for the superadministrator.
    pub fn export_tenant(&self, actor: UserId, password_hashes: bool) -> R<String> {
        let options = rolecall::ExportOptions { password_hashes };
        Ok(self.inner.export_tenant(actor, &options)?.to_json())
    }

    /// Imports a tenant document (JSON text) into the actor's tenant in one commit through
    /// every rule; returns the report as JSON (`changed`, `revision`, and per kind `created`,
    /// `updated`, `unchanged`). A bad input is refused with kind `invalid_import`, whose message
    /// lists every problem (`location (field): reason`, one per line).
    pub fn import_tenant(&self, actor: UserId, json: &str) -> R<String> {
        let doc = rolecall::TenantDocument::from_json(json).map_err(import_error)?;
        let report = self.inner.import_tenant(actor, &doc).map_err(import_error)?;
        Ok(serde_json::to_string(&report).unwrap_or_default())
    }

    /// Imports users from CSV text (header row: `email`, `first_name`, `last_name`, `phone`,
    /// `external_id`, `active`, `roles`, `groups`, `teams`, `scopes`; lists separated by `;`)
    /// as `import_tenant` imports a document of those users; problems are located by line.
    pub fn import_users_csv(&self, actor: UserId, csv: &str) -> R<String> {
        let report = self.inner.import_users_csv(actor, csv).map_err(import_error)?;
        Ok(serde_json::to_string(&report).unwrap_or_default())
    }

    /// Plans `import_tenant` without committing anything (the core's `plan_import`): the
    /// report the import would give and who would gain and lose what. Refused as
    /// `import_tenant` would be; nothing is committed either way.
    pub fn plan_import(&self, actor: UserId, json: &str) -> R<ImportPlan> {
        let doc = rolecall::TenantDocument::from_json(json).map_err(import_error)?;
        ImportPlan::of(self.inner.plan_import(actor, &doc).map_err(import_error)?)
    }

    /// Plans `import_users_csv` without committing anything, as `plan_import`.
    pub fn plan_users_csv(&self, actor: UserId, csv: &str) -> R<ImportPlan> {
        ImportPlan::of(self.inner.plan_users_csv(actor, csv).map_err(import_error)?)
    }
}

/// The plan of an import (Python's `Simulation` of an `ImportReport`; the C API's
/// `{"report", "impact"}`), each part as JSON text.
#[derive(uniffi::Record)]
pub struct ImportPlan {
    /// The report the import would give, as `import_tenant` returns it (`changed`,
    /// `revision`, and per kind `created`, `updated`, `unchanged`).
    pub report: String,
    /// Who would gain and lose which rights, scopes and levels, as `impact_json` returns it.
    pub impact: String,
}

impl ImportPlan {
    fn of(sim: rolecall::Simulation<rolecall::ImportReport>) -> R<ImportPlan> {
        Ok(ImportPlan {
            report: json_text(serde_json::to_string(&sim.value), "report")?,
            impact: json_text(serde_json::to_string(&sim.impact), "impact")?,
        })
    }
}

/// The error of an import, with every problem of an `invalid_import` in its message.
fn import_error(e: rolecall::Error) -> RolecallError {
    match &e {
        rolecall::Error::InvalidImport { problems } => RolecallError::Refused {
            code: e.code(),
            kind: e.kind().to_owned(),
            message: std::iter::once(e.to_string())
                .chain(problems.iter().map(|p| p.to_string()))
                .collect::<Vec<_>>()
                .join("\n"),
        },
        _ => e.into(),
    }
}
