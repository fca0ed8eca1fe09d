//! Opens a SQLite file made of the fuzzer's bytes. A typed error, or a directory that passes
//! `exercise_file` (reads, checks, writes, reopens with the same answers); never a panic, an
//! abort, or an allocation out of proportion to the file.
//!
//! `ROLECALL_FUZZ_WRITE_SEEDS=<corpus folder>` writes the seeds made from the template and
//! exits: the file itself (`sqlite_bytes/template.db`) and its first tenant exported
//! (`parsers/export-json`: an import of a real document).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolecall::Directory;
use rolecall_fuzz::{exercise_file, template, with_file};

fuzz_target!(
    init: {
        if let Ok(corpus) = std::env::var("ROLECALL_FUZZ_WRITE_SEEDS") {
            std::fs::write(format!("{corpus}/sqlite_bytes/template.db"), template()).expect("seed");
            let json = with_file(template(), |path| {
                let dir = Directory::open_sqlite(path).expect("template");
                let t = dir.tenants()[0].clone();
                let doc = dir
                    .export_tenant(t.superadmin, &rolecall::ExportOptions::default())
                    .expect("export");
                dir.close();
                doc.to_json()
            });
            let mut seed = vec![4u8];
            seed.extend_from_slice(json.as_bytes());
            std::fs::write(format!("{corpus}/parsers/export-json"), seed).expect("seed");
            std::process::exit(0);
        }
    },
    |data: &[u8]| {
        with_file(data, |path| {
            if let Ok(dir) = Directory::open_sqlite(path) {
                exercise_file(dir, path);
            }
        });
    }
);
