//! Helpers shared by the subcommands: exit codes, help and usage errors, line output.

use std::fmt::Display;
use std::io::{self, Write};
use std::process::ExitCode;

/// Exit status for a command that ran but failed at least once.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for a usage error (unknown command or option, missing argument).
pub const EXIT_USAGE: u8 = 2;

/// Prints a help text to standard output and succeeds.
pub fn print_help(text: &str) -> ExitCode {
    print!("{text}");
    ExitCode::SUCCESS
}

/// Reports a usage error on standard error and exits with [`EXIT_USAGE`].
pub fn usage_error(command: &str, message: impl Display) -> ExitCode {
    eprintln!("{command}: {message}");
    eprintln!("Try '{command} --help'.");
    ExitCode::from(EXIT_USAGE)
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
