//! The commands, one file per concept, each mapping the library's API: no rule lives here.

mod agreements;
mod audit;
mod checks;
mod groups;
mod roles;
mod scopes;
mod tenants;
mod transfer;
mod users;

use crate::args::{Cli, Command};
use crate::ctx::{CliResult, Ctx};
use crate::out::Output;

/// Runs a command that needs the directory; its output is printed by the caller.
pub fn run(cli: &Cli) -> CliResult<Output> {
    if let Command::Init(a) = &cli.command {
        return tenants::init(cli, a);
    }
    let ctx = Ctx::new(cli)?;
    match &cli.command {
        Command::Tenant(c) => tenants::run(&ctx, c),
        Command::User(c) => users::run(&ctx, c),
        Command::Passwd(a) => users::passwd(&ctx, a),
        Command::Unlock(a) => users::unlock(&ctx, &a.user),
        Command::Role(c) => roles::run(&ctx, c),
        Command::Group(c) => groups::run(&ctx, c),
        Command::Scope(c) => scopes::run(&ctx, c),
        Command::Agreement(c) => agreements::run(&ctx, c),
        Command::Check(a) => checks::check(&ctx, a),
        Command::Explain(a) => checks::explain(&ctx, a),
        Command::WhoCan(a) => checks::who_can(&ctx, a),
        Command::Scopes(a) => checks::scopes(&ctx, a),
        Command::Export(a) => transfer::export(&ctx, a),
        Command::Import(a) => transfer::import(&ctx, a),
        Command::Audit(c) => audit::run(&ctx, c),
        Command::Init(_) | Command::Completions(_) | Command::Man => {
            unreachable!("handled before the directory is opened")
        }
    }
}
