//! `rolecall`: operate a rolecall directory (a SQLite file or a PostgreSQL database) from a
//! shell. Every command maps the library's API; every mutation acts as the `--as` user and
//! passes every rule of the library. See `rolecall --help` and `rolecall man`.

mod args;
mod cmd;
mod ctx;
mod out;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use args::{Cli, Command};
use ctx::CliError;
use out::Output;

/// Prints a command's output: its JSON document with `--json`, else its text.
pub(crate) fn print(json: bool, out: &Output) {
    let mut stdout = std::io::stdout().lock();
    let _ = if json {
        if out.json.is_null() {
            return;
        }
        writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&out.json).unwrap_or_default()
        )
    } else if out.text.is_empty() {
        return;
    } else {
        writeln!(stdout, "{}", out.text)
    };
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Completions(a) => {
            clap_complete::generate(
                a.shell,
                &mut Cli::command(),
                "rolecall",
                &mut std::io::stdout(),
            );
            return ExitCode::SUCCESS;
        }
        Command::Man => {
            let man = clap_mangen::Man::new(Cli::command());
            let mut buf = Vec::new();
            if let Err(e) = man.render(&mut buf) {
                eprintln!("rolecall: {e}");
                return ExitCode::from(8);
            }
            let _ = std::io::stdout().write_all(&buf);
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    match cmd::run(&cli) {
        Ok(out) => {
            print(cli.json, &out);
            ExitCode::SUCCESS
        }
        Err(CliError::Denied) => ExitCode::from(10),
        Err(e) => {
            if cli.json {
                let doc = serde_json::json!({
                    "ok": false,
                    "error": {
                        "kind": e.kind(),
                        "code": match &e { CliError::Core(c) => Some(c.code()), _ => None },
                        "message": e.to_string(),
                        "exit": e.exit_code(),
                    }
                });
                println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            }
            eprintln!("rolecall: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
