//! The command line, declared once: parsing, `--help`, shell completions and the man page all
//! come from these definitions.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The exit codes, as `--help` and the man page show them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0   success (for `check`: allowed)
  1   usage: a reference that names nothing, an ambiguous name, a missing --as or --tenant
  2   the command line does not parse (clap)
  3   invalid input (rolecall error codes 1xx)
  4   not found (2xx)
  5   conflict with the directory's state (3xx)
  6   permission denied by a rule (4xx)
  7   authentication (5xx)
  8   storage: the file or server cannot be read or written (9xx), an I/O error
  10  `check` answered: denied

Every mutation acts as the user named by --as (or ROLECALL_AS) and passes every rule of the
library; a refusal changes nothing and prints the library's error kind and message.";

/// Operate a rolecall directory (a SQLite file or a PostgreSQL database) from a shell.
#[derive(Debug, Parser)]
#[command(name = "rolecall", version, about, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// The directory: a SQLite file (created when new), or PostgreSQL: a postgres:// URL or
    /// a key=value connection string (`host=/run/pg dbname=app user=ops`).
    #[arg(long, env = "ROLECALL_DB", global = true, value_name = "PATH|URL")]
    pub db: Option<String>,

    /// The PostgreSQL schema holding the directory's tables.
    #[arg(
        long,
        env = "ROLECALL_PG_SCHEMA",
        global = true,
        default_value = "rolecall",
        value_name = "SCHEMA"
    )]
    pub pg_schema: String,

    /// The acting user (email or id) for every mutation and for scoped reads.
    #[arg(
        long = "as",
        env = "ROLECALL_AS",
        global = true,
        value_name = "EMAIL|ID"
    )]
    pub actor: Option<String>,

    /// The tenant (name or id), where it is not the acting user's own.
    #[arg(long, env = "ROLECALL_TENANT", global = true, value_name = "NAME|ID")]
    pub tenant: Option<String>,

    /// Machine output: one JSON document per command, on stdout.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new directory (file or schema) with its first tenant and superadministrator.
    Init(InitArgs),
    /// Tenants: list, show, set, add.
    #[command(subcommand)]
    Tenant(TenantCmd),
    /// Users: list, show, add, set, rm, roles.
    #[command(subcommand)]
    User(UserCmd),
    /// Roles: list, show, add, set, rm.
    #[command(subcommand)]
    Role(RoleCmd),
    /// User groups: list, show, add, set, rm, members.
    #[command(subcommand)]
    Group(GroupCmd),
    /// Scopes (call groups, IVRs, queues, teams, ...): list, show, add, set, rm, assign.
    #[command(subcommand)]
    Scope(ScopeCmd),
    /// Agreements and access levels: list, show, add, set.
    #[command(subcommand)]
    Agreement(AgreementCmd),
    /// May this user do this? Exit 0 when allowed, 10 when denied.
    Check(CheckArgs),
    /// Why a user has (or lacks) a permission: every grant and deny that counts.
    Explain(PermArgs),
    /// Users holding a permission (optionally within a scope).
    WhoCan(WhoCanArgs),
    /// The scopes a user may see for a permission, or the user's own scopes.
    Scopes(ScopesArgs),
    /// Export the acting user's tenant as one JSON document (stdout, or -o FILE).
    Export(ExportArgs),
    /// Import a tenant document or a CSV of users, as the acting user, in one commit.
    Import(ImportArgs),
    /// The audit log: tail, export.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Set a user's password (read from a prompt, or stdin with --password-stdin).
    Passwd(PasswdArgs),
    /// Unlock an account locked by failed logins.
    Unlock(UserArg),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Args)]
pub struct PasswordSource {
    /// Read the password from the first line of stdin instead of a prompt.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The first tenant's name.
    #[arg(long = "name", value_name = "TENANT")]
    pub name: String,
    /// The superadministrator's login email.
    #[arg(long)]
    pub email: String,
    /// The superadministrator's first name.
    #[arg(long, default_value = "Super")]
    pub first_name: String,
    /// The superadministrator's last name.
    #[arg(long, default_value = "Admin")]
    pub last_name: String,
    /// Presets to install (managers, role_model, dashboard); repeatable.
    #[arg(long = "preset", value_name = "PRESET")]
    pub presets: Vec<String>,
    /// Create no password (the superadministrator cannot log in until one is set).
    #[arg(long, conflicts_with = "password_stdin")]
    pub no_password: bool,
    #[command(flatten)]
    pub password: PasswordSource,
}

#[derive(Debug, Subcommand)]
pub enum TenantCmd {
    /// Every tenant.
    List,
    /// One tenant, with its settings and password policy.
    Show { tenant: String },
    /// Change the acting user's tenant's options (the superadministrator only).
    Set {
        /// The default region of phone numbers typed without a country code (`FR`, `US`);
        /// an empty string clears it.
        #[arg(long)]
        phone_region: Option<String>,
        /// Never set an agreement level above one's own on that product (true/false).
        #[arg(long)]
        strict_agreement_levels: Option<bool>,
    },
    /// A new tenant with its superadministrator (no password: set one with `passwd`).
    Add {
        /// The tenant's name.
        name: String,
        /// The superadministrator's login email.
        #[arg(long)]
        email: String,
        /// The superadministrator's first name.
        #[arg(long, default_value = "Super")]
        first_name: String,
        /// The superadministrator's last name.
        #[arg(long, default_value = "Admin")]
        last_name: String,
        /// Presets to install; repeatable.
        #[arg(long = "preset", value_name = "PRESET")]
        presets: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct UserArg {
    /// The user: email or id.
    pub user: String,
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Users of the tenant (or those the --as user may see).
    List {
        /// Only users whose name, email or phone contains this.
        #[arg(long)]
        search: Option<String>,
        /// Only active users.
        #[arg(long)]
        active: bool,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// One user.
    Show(UserArg),
    /// Create a user (no password: set one with `passwd`).
    Add {
        /// Login email.
        email: String,
        /// First name.
        #[arg(long)]
        first_name: String,
        /// Last name.
        #[arg(long)]
        last_name: String,
        /// Phone number (any formatting; stored in E.164).
        #[arg(long)]
        phone: Option<String>,
        /// The id the user has in another system (an identity provider, a CRM).
        #[arg(long)]
        external_id: Option<String>,
        /// Roles (name or id); repeatable.
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Groups (name or id); repeatable.
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// Created inactive.
        #[arg(long)]
        inactive: bool,
    },
    /// Change a user's names, email, phone or active flag.
    Set {
        /// The user: email or id.
        user: String,
        /// New first name.
        #[arg(long)]
        first_name: Option<String>,
        /// New last name.
        #[arg(long)]
        last_name: Option<String>,
        /// New login email.
        #[arg(long)]
        email: Option<String>,
        /// A phone number; an empty string clears it.
        #[arg(long)]
        phone: Option<String>,
        /// The id in another system; an empty string clears it.
        #[arg(long)]
        external_id: Option<String>,
        /// Activate (true) or deactivate (false).
        #[arg(long)]
        active: Option<bool>,
    },
    /// Delete a user.
    Rm(UserArg),
    /// Give a user a role.
    Grant {
        user: String,
        role: String,
        /// Only for this scope (a per-scope grant).
        #[arg(long)]
        scope: Option<String>,
    },
    /// Take a role from a user.
    Revoke {
        user: String,
        role: String,
        /// The per-scope grant for this scope.
        #[arg(long)]
        scope: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoleCmd {
    /// Roles of the tenant.
    List,
    /// One role.
    Show { role: String },
    /// Create a custom role.
    Add {
        name: String,
        /// Permissions (dotted names, comma-separated).
        #[arg(long, value_name = "PERMS")]
        permissions: String,
        /// Permissions this role denies (comma-separated).
        #[arg(long, value_name = "PERMS")]
        deny: Option<String>,
        /// Its permissions apply only within the scopes a holder is given.
        #[arg(long)]
        scoped: bool,
        /// An administrator-tier role (only the superadministrator grants it).
        #[arg(long)]
        admin_tier: bool,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Rename a role, or change its permissions or description.
    Set {
        role: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_name = "PERMS")]
        permissions: Option<String>,
        #[arg(long, value_name = "PERMS")]
        deny: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a role.
    Rm { role: String },
}

#[derive(Debug, Subcommand)]
pub enum GroupCmd {
    /// Groups of the tenant.
    List,
    /// One group, its members and effective permissions.
    Show { group: String },
    /// Create a group.
    Add {
        name: String,
        /// Roles of the group; repeatable.
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
    },
    /// Rename a group, or add and remove its roles.
    Set {
        group: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "add-role", value_name = "ROLE")]
        add_roles: Vec<String>,
        #[arg(long = "remove-role", value_name = "ROLE")]
        remove_roles: Vec<String>,
    },
    /// Delete a group.
    Rm { group: String },
    /// Members: add, rm, list.
    #[command(subcommand)]
    Member(MemberCmd),
}

#[derive(Debug, Subcommand)]
pub enum MemberCmd {
    /// Add a user to a group.
    Add { group: String, user: String },
    /// Remove a user from a group.
    Rm { group: String, user: String },
    /// The members of a group.
    List { group: String },
}

#[derive(Debug, Subcommand)]
pub enum ScopeCmd {
    /// Scopes of the tenant.
    List,
    /// One scope and its children.
    Show { scope: String },
    /// Create a scope.
    Add {
        name: String,
        /// call_group, ivr, queue, campaign, number, team, or a kind of the tenant's.
        #[arg(long)]
        kind: String,
        /// Its parent scope.
        #[arg(long)]
        parent: Option<String>,
    },
    /// Move a scope under another parent (or make it a root with --root).
    Set {
        scope: String,
        #[arg(long, conflicts_with = "root")]
        parent: Option<String>,
        #[arg(long)]
        root: bool,
    },
    /// Delete a scope.
    Rm { scope: String },
    /// Assign a scope to a user.
    Assign { scope: String, user: String },
    /// Take a scope from a user.
    Unassign { scope: String, user: String },
}

#[derive(Debug, Subcommand)]
pub enum AgreementCmd {
    /// Agreements of the tenant.
    List,
    /// One agreement.
    Show { agreement: String },
    /// Create an agreement; its owner gets Owner on every product.
    Add {
        name: String,
        /// The owner (email or id).
        #[arg(long)]
        owner: String,
    },
    /// Set a user's access level on a product of an agreement.
    Set {
        agreement: String,
        user: String,
        /// core, telephony, virtual_pbx, automated_calls, chatbots, integrations, ai, ...
        #[arg(long)]
        product: String,
        /// no_access, user, administrator.
        #[arg(long)]
        level: String,
    },
}

#[derive(Debug, Args)]
pub struct PermArgs {
    /// The user: email or id.
    pub user: String,
    /// A permission's dotted name (`campaigns.view`).
    pub permission: String,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub perm: PermArgs,
    /// Check within this scope (name or id).
    #[arg(long)]
    pub scope: Option<String>,
}

#[derive(Debug, Args)]
pub struct WhoCanArgs {
    /// A permission's dotted name.
    pub permission: String,
    /// Within this scope (name or id).
    #[arg(long)]
    pub scope: Option<String>,
}

#[derive(Debug, Args)]
pub struct ScopesArgs {
    /// The user: email or id.
    pub user: String,
    /// The scopes this permission reaches; without it, the scopes the user holds.
    #[arg(long)]
    pub permission: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// A readable table.
    Table,
    /// JSON Lines, schema rolecall.audit/1.
    Jsonl,
    /// ArcSight Common Event Format.
    Cef,
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// The last events of the log.
    Tail {
        /// How many.
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: usize,
        #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
        format: AuditFormat,
    },
    /// Every event from a point on, streamed page by page (commits go on meanwhile).
    Export {
        /// A seq (events after it) or an RFC 3339 time / date (events at or after it).
        #[arg(long, default_value = "0")]
        since: String,
        #[arg(long, value_enum, default_value_t = AuditFormat::Jsonl)]
        format: AuditFormat,
        /// Events per page read.
        #[arg(long, default_value_t = 1000)]
        page: usize,
        /// Keep going once caught up: poll for new events (as `tail -f`), until interrupted.
        #[arg(short, long)]
        follow: bool,
        /// With --follow, how often to look for new events, in milliseconds.
        #[arg(long, default_value_t = 1000, value_name = "MS")]
        interval: u64,
    },
}

#[derive(Debug, Args)]
pub struct PasswdArgs {
    /// The user: email or id.
    pub user: String,
    /// A temporary password: the user must change it at the next login.
    #[arg(long)]
    pub temporary: bool,
    #[command(flatten)]
    pub password: PasswordSource,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the document to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// Include password hashes (the superadministrator only).
    #[arg(long)]
    pub password_hashes: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file: a tenant document (JSON), or a CSV of users; `-` reads stdin.
    pub file: String,
    /// The file is a CSV of users (implied by a .csv name). Columns: email, first_name,
    /// last_name (required), phone, external_id, active, roles, groups, teams, scopes.
    #[arg(long)]
    pub csv: bool,
    /// Plan it without committing: print who would gain and lose what, then the counts.
    #[arg(long)]
    pub dry_run: bool,
}
