//! Opening a directory on a store (in memory, SQLite, PostgreSQL or any `Store`), loading and
//! checking what the store holds, and closing it.

use super::*;

impl Directory {
    /// An empty directory kept in memory only.
    pub fn in_memory() -> Directory {
        Self::from_parts(
            Box::new(MemoryStore::new()),
            Model::default(),
            0,
            Arc::new(SystemClock),
        )
    }

    /// Opens (creating if needed) a directory in the SQLite file at `path`: the embedded default.
    ///
    /// # Errors
    /// [`Error::NotADatabase`] for a file that is not a rolecall database; [`Error::SchemaTooNew`]
    /// for one written by a newer version; [`Error::ReadOnly`], [`Error::Busy`] or
    /// [`Error::Storage`] when SQLite cannot open or read it; [`Error::Corrupt`] for stored data
    /// that breaks the library's invariants.
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, NewUser};
    /// let path = std::env::temp_dir().join(format!("rolecall-doc-{}.db", std::process::id()));
    /// let dir = Directory::open_sqlite(&path)?;
    /// let acme = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[])?;
    /// dir.close();
    /// // Everything was committed to the file: a new instance finds it there.
    /// let again = Directory::open_sqlite(&path)?;
    /// assert_eq!(again.tenant(acme.tenant)?.name, "Acme");
    /// # again.close();
    /// # for ext in ["", "-wal", "-shm"] { let _ = std::fs::remove_file(format!("{}{ext}", path.display())); }
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    #[cfg(feature = "sqlite")]
    pub fn open_sqlite(path: impl AsRef<std::path::Path>) -> Result<Directory, Error> {
        Self::open(crate::store::SqliteStore::open(path)?)
    }

    /// Opens a directory in the PostgreSQL database `conninfo` names (a libpq-style connection
    /// string or a `postgresql://` URL), in the schema `rolecall`: several hosts opening the
    /// same database share one directory. See [`PostgresStore`](crate::PostgresStore).
    ///
    /// The directory [follows](Self::follow) the store from the start: a library thread
    /// applies other hosts' commits as they are announced, and ends with the directory. A host
    /// that drives catching up itself (`wait_for_change`, then `refresh`) opens with
    /// `Directory::open(PostgresStore::open_with(..)?)` instead.
    ///
    /// # Errors
    /// As [`PostgresStore::open_with`](crate::PostgresStore::open_with), then as
    /// [`open`](Self::open) and [`follow`](Self::follow).
    #[cfg(feature = "postgres")]
    pub fn open_postgres(conninfo: &str) -> Result<Directory, Error> {
        Self::open_postgres_with(conninfo, &crate::store::PostgresOptions::default())
    }

    /// Opens a directory in a PostgreSQL database with explicit options (the schema, the lock
    /// timeout, TLS roots, ...), following the store as [`open_postgres`](Self::open_postgres)
    /// does.
    ///
    /// # Errors
    /// As [`open_postgres`](Self::open_postgres).
    #[cfg(feature = "postgres")]
    pub fn open_postgres_with(
        conninfo: &str,
        options: &crate::store::PostgresOptions,
    ) -> Result<Directory, Error> {
        let dir = Self::open(crate::store::PostgresStore::open_with(conninfo, options)?)?;
        dir.follow()?;
        Ok(dir)
    }

    /// Opens a directory on `store`, loading its whole state.
    ///
    /// # Errors
    /// The store's errors while loading ([`Error::Storage`], [`Error::Busy`], ...);
    /// [`Error::Corrupt`] for stored data that breaks the library's invariants.
    pub fn open(store: impl Store + 'static) -> Result<Directory, Error> {
        Self::open_with_clock(store, Arc::new(SystemClock))
    }

    /// Opens a directory on `store` with a custom clock.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn open_with_clock(
        store: impl Store + 'static,
        clock: Arc<dyn Clock>,
    ) -> Result<Directory, Error> {
        let mut store: Box<dyn Store> = Box::new(store);
        let (model, revision) = Self::load(&mut *store)?;
        Ok(Self::from_parts(store, model, revision, clock))
    }

    /// Loads the whole state: the store reads on one thread while this one applies what it has
    /// read, in batches; all on this thread when no thread can be started.
    pub(super) fn load(store: &mut dyn Store) -> Result<(Model, u64), Error> {
        const BATCH: usize = 4096;
        let mut model = Model::default();
        model.reserve(store.capacity_hint());
        let mut aff = Affected {
            everything: true,
            ..Affected::default()
        };
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Change>>(16);
        // Emptied batches go back to the reader: no large allocation per batch.
        let (recycle, recycled) = std::sync::mpsc::channel::<Vec<Change>>();
        let store_ref = &mut *store;
        let threaded = std::thread::scope(|s| {
            let reader = std::thread::Builder::new()
                .name("rolecall-load".into())
                .spawn_scoped(s, move || {
                    let fresh = || {
                        recycled
                            .try_recv()
                            .unwrap_or_else(|_| Vec::with_capacity(BATCH))
                    };
                    let mut batch = fresh();
                    let loaded = store_ref.load_into(&mut |c| {
                        batch.push(c);
                        if batch.len() == BATCH {
                            // The receiver only hangs up when it panicked, which join reports.
                            let _ = tx.send(std::mem::replace(&mut batch, fresh()));
                        }
                    });
                    let _ = tx.send(batch);
                    loaded
                })
                .ok()?;
            for mut batch in rx {
                for c in batch.drain(..) {
                    model.apply_owned(c, &mut aff);
                }
                let _ = recycle.send(batch);
            }
            Some(
                reader
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        });
        let loaded = match threaded {
            Some(loaded) => loaded?,
            None => store.load_into(&mut |c| model.apply_owned(c, &mut aff))?,
        };
        check_next_ids(&model, &loaded.next_ids)?;
        for (kind, stored) in loaded.next_ids.iter() {
            model.next[kind] = model.next[kind].max(stored);
        }
        model.verify()?;
        Ok((model, loaded.revision))
    }

    fn from_parts(
        store: Box<dyn Store>,
        mut model: Model,
        revision: u64,
        clock: Arc<dyn Clock>,
    ) -> Directory {
        model.now = clock.now_ms();
        let snapshot = Snapshot::build(&model, revision);
        Self::assemble(store, model, snapshot, clock, None)
    }

    /// A directory over `store` holding `model`, whose compiled `snapshot` is given (it must
    /// be the model's, at the model's `now`).
    pub(super) fn assemble(
        mut store: Box<dyn Store>,
        model: Model,
        snapshot: Snapshot,
        clock: Arc<dyn Clock>,
        journal: Option<simulate::Journal>,
    ) -> Directory {
        let now = SystemClock.now_ms();
        let changes = store.change_signal();
        let shared = Shared {
            snapshot: Arc::new(ArcSwap::from_pointee(snapshot)),
            model: RwLock::new(model),
            store: Mutex::new(store),
            clock,
            hash_params: RwLock::new(HashParams::default()),
            notifications: Mutex::new(VecDeque::new()),
            on_notification: RwLock::new(None),
            closed: std::sync::atomic::AtomicBool::new(false),
            caught_up_at: std::sync::atomic::AtomicI64::new(now),
            changes,
            reloads: std::sync::atomic::AtomicU64::new(0),
            audit_key: {
                let mut key = [0u8; 32];
                cred::random_bytes(&mut key).ok().map(|()| key)
            },
            timer: Arc::default(),
            clock_tells: std::sync::atomic::AtomicBool::new(false),
            clock_listener: Mutex::new(None),
            journal: journal.map(Mutex::new),
        };
        let dir = Directory {
            shared: Arc::new(shared),
        };
        dir.listen_to_clock();
        dir
    }

    /// Closes the directory: releases its store (a SQLite file is closed, so the same process
    /// can open it again at once) and drops its in-memory state. Idempotent.
    ///
    /// Afterwards every change, [`refresh`](Self::refresh), audit query and tenant-scoped
    /// query fails with [`Error::Closed`]; checks deny (the directory holds no users any more)
    /// and lookups by id find nothing. [`Snapshot`]s taken before stay readable. Bindings
    /// refuse every call on a closed directory with [`Error::Closed`] (Python's
    /// `Directory.close()` and `with`).
    pub fn close(&self) {
        if self
            .shared
            .closed
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return;
        }
        // Taken under the store lock: a write under way finishes first.
        let mut store = lock(&self.shared.store);
        let old = std::mem::replace(&mut *store, Box::new(ClosedStore));
        let revision = self.revision();
        self.shared.timer.stop();
        *self.write_model() = Model::default();
        self.shared
            .snapshot
            .store(Arc::new(Snapshot::build(&Model::default(), revision)));
        drop(store);
        drop(old);
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(std::sync::atomic::Ordering::SeqCst)
    }
}
