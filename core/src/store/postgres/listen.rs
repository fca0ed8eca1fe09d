//! The listener: a thread this library owns, with a connection of its own, that hears of other
//! instances' commits and publishes the store's revision on the [`ChangeSignal`].
//!
//! A notification (sent inside each commit's transaction, so delivered only once it is
//! committed) is only a nudge: it carries the revision, which is published at once. Every
//! `poll_interval` without one, the listener reads the head row itself, which catches what a
//! notification could not deliver (a listener disconnected meanwhile, a pooler that drops
//! `LISTEN`) and doubles as the dead-connection detector: a failed poll reconnects.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::quote_ident;
use crate::store::ChangeSignal;

/// What the listener thread needs.
pub(super) struct Listener {
    pub(super) config: postgres::Config,
    pub(super) tls: MakeRustlsConnect,
    pub(super) schema: String,
    pub(super) channel: String,
    pub(super) poll_interval: Duration,
    pub(super) signal: Arc<ChangeSignal>,
    pub(super) stop: Arc<AtomicBool>,
}

/// How long a connection must have lasted for its loss to be replaced at once even when it
/// was itself such a replacement.
const SERVED: Duration = Duration::from_millis(100);

impl Listener {
    /// Starts the thread; it ends within a poll interval once `stop` is set.
    pub(super) fn spawn(self) -> std::io::Result<()> {
        std::thread::Builder::new()
            .name("rolecall-pg-listen".into())
            .spawn(move || self.run())
            .map(drop)
    }

    fn run(self) {
        // Whether the last attempt failed: an outage is logged once, at its start and end.
        let mut down = false;
        // Whether the connection before this one was a replacement made at once.
        let mut replaced = false;
        while !self.stop.load(Ordering::Relaxed) {
            // A failed connection waits a poll interval before the next attempt; a lost one is
            // replaced at once, so that a commit made meanwhile is seen within moments of the
            // loss rather than a poll interval later; unless its own replacement was lost
            // within `SERVED` too (a server that drops every connection: no spin).
            let mut wait = true;
            match self.connect() {
                Ok(client) => {
                    let connected = std::time::Instant::now();
                    if std::mem::take(&mut down) {
                        log::info!(
                            target: "rolecall",
                            "PostgreSQL listener of schema {:?} reconnected",
                            self.schema
                        );
                    }
                    self.listen(client);
                    if !self.stop.load(Ordering::Relaxed) {
                        log::warn!(
                            target: "rolecall",
                            "PostgreSQL listener of schema {:?} lost its connection; \
                             reconnecting (checks answer from the last snapshot meanwhile)",
                            self.schema
                        );
                        down = true;
                        let served = connected.elapsed() >= SERVED.min(self.poll_interval);
                        wait = replaced && !served;
                        replaced = !wait;
                    }
                }
                Err(e) if !down => {
                    log::warn!(
                        target: "rolecall",
                        "PostgreSQL listener of schema {:?} cannot connect: {e}; retrying \
                         every {:?}",
                        self.schema,
                        self.poll_interval
                    );
                    down = true;
                }
                Err(_) => {}
            }
            if wait && !self.stop.load(Ordering::Relaxed) {
                std::thread::sleep(self.poll_interval);
            }
        }
    }

    fn connect(&self) -> Result<Client, postgres::Error> {
        let mut c = self.config.connect(self.tls.clone())?;
        c.batch_execute(&format!(
            "SET search_path TO {}; LISTEN {}",
            quote_ident(&self.schema),
            quote_ident(&self.channel)
        ))?;
        Ok(c)
    }

    /// Publishes the head row's revision.
    fn poll(&self, c: &mut Client) -> Result<(), postgres::Error> {
        let r = c.query_one("SELECT value FROM meta WHERE key = 'revision'", &[])?;
        self.signal.publish(r.get::<_, i64>(0) as u64);
        Ok(())
    }

    /// Listens on `c` until it fails or the store is dropped.
    fn listen(&self, mut c: Client) {
        // What was committed while no one listened.
        if self.poll(&mut c).is_err() {
            return;
        }
        while !self.stop.load(Ordering::Relaxed) {
            let mut heard = false;
            {
                let mut n = c.notifications();
                let mut it = n.timeout_iter(self.poll_interval);
                loop {
                    match it.next() {
                        Ok(Some(note)) => {
                            heard = true;
                            if let Ok(revision) = note.payload().parse::<u64>() {
                                self.signal.publish(revision);
                            }
                            if self.stop.load(Ordering::Relaxed) {
                                return;
                            }
                        }
                        Ok(None) => break,
                        Err(_) => return,
                    }
                }
            }
            // A quiet interval: poll (also proves the connection alive).
            if !heard && self.poll(&mut c).is_err() {
                return;
            }
            if c.is_closed() {
                return;
            }
        }
    }
}
