//! The `smtp-tls-check` binary: a thin edge around the library.
#![forbid(unsafe_code)]

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            // Errors that are not findings: bad --ca-file, unwritable stdout, ...
            eprintln!("smtp-tls-check: {e:#}");
            ExitCode::from(smtp_tls_check::model::ExitStatus::NoDiagnosis.code())
        }
    }
}
