//! The open directory and the acting user, and names resolved to ids: users by email or id,
//! roles, groups, scopes, agreements and tenants by name or id. No rule lives here: every
//! mutation goes to the library as the acting user.

use std::fmt;
use std::io::BufRead;

use rolecall::{
    AgreementId, Directory, Error, ErrorCategory, GroupId, Permission, RoleId, ScopeId, TenantId,
    UserId,
};

use crate::args::{Cli, PasswordSource};

/// What a command can fail with; each maps to an exit code ([`CliError::exit_code`]).
#[derive(Debug)]
pub enum CliError {
    /// A usage problem the library never sees (exit 1).
    Usage(String),
    /// The library refused (exit by category).
    Core(Error),
    /// Reading or writing a stream failed (exit 8).
    Io(std::io::Error),
    /// `check` answered no (exit 10, nothing printed on stderr).
    Denied,
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Core(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) => f.write_str(m),
            CliError::Core(e) => write!(f, "{} ({}): {e}", e.kind(), e.code()),
            CliError::Io(e) => write!(f, "i/o: {e}"),
            CliError::Denied => f.write_str("denied"),
        }
    }
}

impl CliError {
    /// The exit code: see [`crate::args::EXIT_CODES`].
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 1,
            CliError::Core(e) => category_exit(e.category()),
            CliError::Io(_) => 8,
            CliError::Denied => 10,
        }
    }

    /// The kind named in `--json` error documents.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Usage(_) => "usage",
            CliError::Core(e) => e.kind(),
            CliError::Io(_) => "io",
            CliError::Denied => "denied",
        }
    }
}

/// One exit code per error category.
pub fn category_exit(c: ErrorCategory) -> u8 {
    match c {
        ErrorCategory::InvalidInput => 3,
        ErrorCategory::NotFound => 4,
        ErrorCategory::Conflict => 5,
        ErrorCategory::PermissionDenied => 6,
        ErrorCategory::Authentication => 7,
        // Storage, and any category a later library adds.
        _ => 8,
    }
}

pub type CliResult<T> = Result<T, CliError>;

/// A usage error.
pub fn usage<T>(msg: impl Into<String>) -> CliResult<T> {
    Err(CliError::Usage(msg.into()))
}

/// Whether `--db` names a PostgreSQL database: a `postgres://` / `postgresql://` URL, or a
/// libpq key=value connection string (its first word is `key=value` with a libpq key).
pub fn is_postgres(db: &str) -> bool {
    const KEYS: [&str; 8] = [
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "password",
        "sslmode",
        "application_name",
    ];
    db.starts_with("postgres://")
        || db.starts_with("postgresql://")
        || db
            .split_whitespace()
            .next()
            .and_then(|w| w.split_once('='))
            .is_some_and(|(k, _)| KEYS.contains(&k))
}

/// Opens the directory `--db` names: PostgreSQL (in `--pg-schema`), or a SQLite file
/// (created when new).
pub fn open(cli: &Cli) -> CliResult<Directory> {
    let Some(db) = cli.db.as_deref() else {
        return usage("no directory: pass --db <PATH|postgres://URL> or set ROLECALL_DB");
    };
    if is_postgres(db) {
        let options = rolecall::PostgresOptions {
            schema: cli.pg_schema.clone(),
            ..rolecall::PostgresOptions::default()
        };
        Ok(Directory::open_postgres_with(db, &options)?)
    } else {
        Ok(Directory::open_sqlite(db)?)
    }
}

/// The open directory, with the global options resolved lazily.
pub struct Ctx<'a> {
    pub dir: Directory,
    pub cli: &'a Cli,
}

impl<'a> Ctx<'a> {
    pub fn new(cli: &'a Cli) -> CliResult<Ctx<'a>> {
        Ok(Ctx {
            dir: open(cli)?,
            cli,
        })
    }

    /// The tenant `--tenant` names, else the acting user's, else the only tenant.
    pub fn tenant(&self) -> CliResult<TenantId> {
        if let Some(t) = &self.cli.tenant {
            return self.tenant_ref(t);
        }
        if self.cli.actor.is_some() {
            let actor = self.actor()?;
            return Ok(self.dir.user(actor)?.tenant);
        }
        let tenants = self.dir.tenants();
        match tenants.as_slice() {
            [only] => Ok(only.id),
            [] => usage("the directory has no tenant yet: run `rolecall init`"),
            _ => usage("several tenants: name one with --tenant (or act with --as)"),
        }
    }

    /// A tenant by id or name.
    pub fn tenant_ref(&self, s: &str) -> CliResult<TenantId> {
        let tenants = self.dir.tenants();
        if let Ok(id) = s.parse::<u64>() {
            if let Some(t) = tenants.iter().find(|t| t.id.0 == id) {
                return Ok(t.id);
            }
        }
        let found: Vec<_> = tenants.iter().filter(|t| t.name == s).collect();
        match found.as_slice() {
            [t] => Ok(t.id),
            [] => usage(format!("no tenant named {s:?}")),
            _ => usage(format!("several tenants are named {s:?}: use its id")),
        }
    }

    /// The acting user (`--as`): required for every mutation.
    pub fn actor(&self) -> CliResult<UserId> {
        let Some(a) = &self.cli.actor else {
            return usage("this command changes the directory: name the acting user with --as <EMAIL|ID> (or ROLECALL_AS)");
        };
        if let Ok(id) = a.parse::<u64>() {
            self.dir.user(UserId(id))?;
            return Ok(UserId(id));
        }
        // By email: in --tenant when given, else in whichever tenant has it (unique).
        if let Some(t) = &self.cli.tenant {
            let t = self.tenant_ref(t)?;
            return Ok(self.dir.user_by_email(t, a)?.id);
        }
        let found: Vec<UserId> = self
            .dir
            .tenants()
            .iter()
            .filter_map(|t| self.dir.user_by_email(t.id, a).ok())
            .map(|u| u.id)
            .collect();
        match found.as_slice() {
            [id] => Ok(*id),
            [] => usage(format!("--as {a:?}: no user has this email")),
            _ => usage(format!(
                "--as {a:?}: users of several tenants have this email: add --tenant"
            )),
        }
    }

    /// A user of the tenant by email, or any user by id.
    pub fn user(&self, s: &str) -> CliResult<UserId> {
        if let Ok(id) = s.parse::<u64>() {
            return Ok(UserId(id));
        }
        Ok(self.dir.user_by_email(self.tenant()?, s)?.id)
    }

    pub fn role(&self, s: &str) -> CliResult<RoleId> {
        if let Ok(id) = s.parse::<u64>() {
            return Ok(RoleId(id));
        }
        Ok(self.dir.role_by_name(self.tenant()?, s)?.id)
    }

    pub fn group(&self, s: &str) -> CliResult<GroupId> {
        if let Ok(id) = s.parse::<u64>() {
            return Ok(GroupId(id));
        }
        Ok(self.dir.group_by_name(self.tenant()?, s)?.id)
    }

    pub fn scope(&self, s: &str) -> CliResult<ScopeId> {
        if let Ok(id) = s.parse::<u64>() {
            return Ok(ScopeId(id));
        }
        let scopes = self.dir.scopes(self.tenant()?)?;
        let found: Vec<_> = scopes.iter().filter(|sc| sc.name == s).collect();
        match found.as_slice() {
            [sc] => Ok(sc.id),
            [] => usage(format!("no scope named {s:?}")),
            _ => usage(format!("several scopes are named {s:?}: use its id")),
        }
    }

    pub fn agreement(&self, s: &str) -> CliResult<AgreementId> {
        if let Ok(id) = s.parse::<u64>() {
            return Ok(AgreementId(id));
        }
        let all = self.dir.agreements(self.tenant()?)?;
        let found: Vec<_> = all.iter().filter(|a| a.name == s).collect();
        match found.as_slice() {
            [a] => Ok(a.id),
            [] => usage(format!("no agreement named {s:?}")),
            _ => usage(format!("several agreements are named {s:?}: use its id")),
        }
    }

    /// Role names by id, for display.
    pub fn role_name(&self, id: RoleId) -> String {
        self.dir
            .role(id)
            .map_or_else(|_| id.to_string(), |r| r.name)
    }

    pub fn group_name(&self, id: GroupId) -> String {
        self.dir
            .group(id)
            .map_or_else(|_| id.to_string(), |g| g.name)
    }

    pub fn scope_name(&self, id: ScopeId) -> String {
        self.dir
            .scope(id)
            .map_or_else(|_| id.to_string(), |s| s.name)
    }

    pub fn user_email(&self, id: UserId) -> String {
        self.dir
            .user(id)
            .map_or_else(|_| id.to_string(), |u| u.email)
    }
}

/// A permission set from dotted names (`a.b,c.d`).
pub fn permissions(s: &str) -> CliResult<Permission> {
    if s.trim().is_empty() {
        return Ok(Permission::empty());
    }
    Ok(s.parse::<Permission>()?)
}

/// A password from a prompt (asked twice) or the first line of stdin; never an argument.
pub fn password(src: &PasswordSource) -> CliResult<String> {
    if src.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let pw = line.trim_end_matches(['\n', '\r']).to_owned();
        if pw.is_empty() {
            return usage("--password-stdin: stdin held no password");
        }
        return Ok(pw);
    }
    let first = rpassword::prompt_password("Password: ")?;
    let again = rpassword::prompt_password("Password (again): ")?;
    if first != again {
        return usage("the two passwords differ");
    }
    Ok(first)
}
