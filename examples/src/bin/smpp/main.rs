//! The `smpp` command-line tool: a dispatcher over subcommands, one module each.
//!
//! Arguments are parsed by hand (no dependency): `smpp <command> [options] [args]`, with
//! `--help` for the tool and for every subcommand. Exit status: 0 on success, 1 when the
//! command ran but something failed (an input did not decode, ...), 2 on a usage error.

mod cli;
mod decode;

use std::process::ExitCode;

const HELP: &str = "\
smpp: a toolbox for SMPP v3.4 peers

Usage: smpp <command> [options] [args]

Commands:
  decode    print PDUs given in hex as JSON, one object per line

Options:
  -h, --help     show this help (`smpp <command> --help` for a command's own)
  -V, --version  show the version

Exit status: 0 on success, 1 when a command failed, 2 on a usage error.
";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(command) = args.next() else {
        eprint!("{HELP}");
        return ExitCode::from(cli::EXIT_USAGE);
    };
    match command.to_str() {
        Some("decode") => decode::run(args),
        Some("-h" | "--help" | "help") => match args.next().as_ref().and_then(|a| a.to_str()) {
            Some("decode") => cli::print_help(decode::HELP),
            _ => cli::print_help(HELP),
        },
        Some("-V" | "--version") => {
            println!("smpp {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        _ => cli::usage_error(
            "smpp",
            format_args!("unknown command {:?}", command.to_string_lossy()),
        ),
    }
}
