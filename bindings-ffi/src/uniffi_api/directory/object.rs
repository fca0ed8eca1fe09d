// The directory object: opening, revisions, snapshots, notifications and tenants.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

/// The authorization directory. Thread-safe.
#[derive(uniffi::Object)]
pub struct Directory {
    inner: rolecall::Directory,
}

#[uniffi::export]
impl Directory {
    /// An empty directory in memory.
    #[uniffi::constructor]
    pub fn in_memory() -> Arc<Self> {
        Arc::new(Directory {
            inner: rolecall::Directory::in_memory(),
        })
    }

    /// The directory stored in a SQLite file (created if needed).
    #[uniffi::constructor]
    pub fn open_sqlite(path: String) -> R<Arc<Self>> {
        Ok(Arc::new(Directory {
            inner: rolecall::Directory::open_sqlite(path)?,
        }))
    }

    /// The directory stored in a PostgreSQL database, shared by every host that opens the same
    /// database and schema (`schema` None: `"rolecall"`); the other options keep the core's
    /// defaults. `conninfo`: `"host=... user=... dbname=..."` or a `postgresql://` URL. It
    /// follows the store: a library thread applies other hosts' commits as they are announced.
    #[uniffi::constructor]
    pub fn open_postgres(conninfo: String, schema: Option<String>) -> R<Arc<Self>> {
        let defaults = rolecall::PostgresOptions::default();
        let opts = rolecall::PostgresOptions {
            schema: schema.unwrap_or(defaults.schema.clone()),
            ..defaults
        };
        Ok(Arc::new(Directory {
            inner: rolecall::Directory::open_postgres_with(&conninfo, &opts)?,
        }))
    }

    /// A revision token for the current state (opaque): pass it along after a write, and
    /// `at_least` on any other instance of the same store sees that write.
    pub fn revision_token(&self) -> R<String> {
        Ok(self.inner.revision_token()?)
    }

    /// A snapshot that includes everything the state `token` was taken from included,
    /// catching up from the store for up to `timeout_ms` while it is unreachable. Fails with
    /// `stale` (the timeout passed first; retryable) or `foreign_token` (another store's).
    pub fn at_least(&self, token: String, timeout_ms: u64) -> R<Arc<Snapshot>> {
        let s = self
            .inner
            .at_least(&token, std::time::Duration::from_millis(timeout_ms))?;
        Ok(Arc::new(Snapshot { inner: s }))
    }

    /// The revision of the last change applied.
    pub fn revision(&self) -> u64 {
        self.inner.revision()
    }

    /// Applies changes other processes committed to the same store.
    pub fn refresh(&self) -> R<u64> {
        Ok(self.inner.refresh()?)
    }

    /// Closes the directory (`Directory::close`): releases its store at once; idempotent.
    /// Later changes, refreshes and tenant queries fail with `closed`; checks deny.
    pub fn close(&self) {
        self.inner.close()
    }

    /// Whether `close` was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::new(Snapshot {
            inner: self.inner.snapshot(),
        })
    }

    /// Sets the argon2id cost of new hashes (lower it only in tests).
    pub fn set_hash_params(&self, m_kib: u32, t: u32, p: u32) {
        self.inner
            .set_hash_params(rolecall::HashParams { m_kib, t, p });
    }

    /// Takes the queued notifications, oldest first.
    pub fn drain_notifications(&self) -> Vec<Notification> {
        let queued = self.inner.drain_notifications();
        queued.into_iter().map(Into::into).collect()
    }

    /// Calls `listener` for each notification as it is produced, instead of any listener set
    /// before; the notifications still queue for `drain_notifications`.
    pub fn on_notification(&self, listener: Box<dyn NotificationListener>) {
        self.inner.on_notification(move |n| {
            // A listener that raised: the notification stays queued, the change stands.
            let _ = listener.deliver(n.clone().into());
        });
    }

    // ---- tenants

    /// Creates a tenant with its superadministrator and the roles of `presets`.
    pub fn create_tenant(
        &self,
        name: &str,
        superadmin: &NewUser,
        presets: &[Preset],
    ) -> R<TenantCreated> {
        Ok(self.inner.create_tenant(name, superadmin, presets)?)
    }

    /// Installs a preset's roles (superadministrator only).
    pub fn install_preset(&self, actor: UserId, preset: Preset) -> R<Vec<RoleId>> {
        Ok(self.inner.install_preset(actor, preset)?)
    }

    /// A tenant.
    pub fn tenant(&self, tenant: TenantId) -> R<Tenant> {
        Ok(self.inner.tenant(tenant)?.into())
    }

    /// Every tenant.
    pub fn tenants(&self) -> Vec<Tenant> {
        self.inner.tenants().into_iter().map(Into::into).collect()
    }

    /// A tenant's password policy.
    pub fn password_policy(&self, tenant: TenantId) -> R<PasswordPolicy> {
        Ok(self.inner.password_policy(tenant)?)
    }

    /// The superadministrator sets the tenant's password policy.
    pub fn set_password_policy(&self, actor: UserId, policy: &PasswordPolicy) -> R<()> {
        Ok(self.inner.set_password_policy(actor, policy)?)
    }

    /// A tenant's options.
    pub fn tenant_settings(&self, tenant: TenantId) -> R<TenantSettings> {
        Ok(self.inner.tenant_settings(tenant)?.into())
    }

    /// The superadministrator sets the tenant's options.
    pub fn set_tenant_settings(&self, actor: UserId, settings: TenantSettings) -> R<()> {
        // The record carries no separation-of-duty rules: the tenant's own are kept (they
        // change with add_sod_rule / remove_sod_rule).
        let settings: rolecall::TenantSettings = settings.into();
        Ok(self.inner.set_tenant_options(actor, &settings)?)
    }

}
