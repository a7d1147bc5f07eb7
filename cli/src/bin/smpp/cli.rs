//! Helpers shared by the subcommands: exit codes, usage errors, line output.

use clap::error::ErrorKind;
use clap::CommandFactory;
use std::fmt::Display;
use std::io::{self, Write};
use std::process::ExitCode;

/// Exit status for a command that ran but failed at least once.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for a usage error (unknown command or option, missing argument).
pub const EXIT_USAGE: u8 = 2;

/// Reports a usage error that clap itself cannot detect (a check across options) in clap's
/// format, with the usage of `subcommand`, and exits with [`EXIT_USAGE`].
pub fn usage_error(subcommand: &str, kind: ErrorKind, message: impl Display) -> ExitCode {
    let mut cmd = crate::Cli::command();
    cmd.build();
    let err = match cmd.find_subcommand_mut(subcommand) {
        Some(sub) => sub.error(kind, message),
        None => cmd.error(kind, message),
    };
    let _ = err.print();
    ExitCode::from(EXIT_USAGE)
}

/// An option conflict (`--tls-cert and --tls-key go together`) as a usage error.
pub fn conflict(subcommand: &str, message: impl Display) -> ExitCode {
    usage_error(subcommand, ErrorKind::ArgumentConflict, message)
}

/// An invalid value found after parsing (a file that does not load, ...) as a usage error.
pub fn invalid(subcommand: &str, message: impl Display) -> ExitCode {
    usage_error(subcommand, ErrorKind::ValueValidation, message)
}

/// Writes one line and flushes it, so that output piped to another program arrives line by
/// line.
pub fn write_line(out: &mut impl Write, line: impl Display) -> io::Result<()> {
    writeln!(out, "{line}")?;
    out.flush()
}

/// The exit code after output failed: quiet when the reader went away (`| head`), else the
/// error on standard error.
pub fn output_failed(command: &str, err: &io::Error) -> ExitCode {
    if err.kind() != io::ErrorKind::BrokenPipe {
        eprintln!("{command}: cannot write output: {err}");
    }
    ExitCode::from(EXIT_FAILED)
}
