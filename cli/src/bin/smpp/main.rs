//! The `smpp` command-line tool: a dispatcher over subcommands, one module each.
//!
//! Arguments are parsed by hand (no dependency): `smpp <command> [options] [args]`, with
//! `--help` for the tool and for every subcommand. Exit status: 0 on success, 1 when the
//! command ran but something failed (an input did not decode, ...), 2 on a usage error.

mod bench;
mod cli;
mod decode;
mod demo;
mod link;
mod listen;
mod opts;
mod send;
mod smsc;

use std::process::ExitCode;

const HELP: &str = "\
smpp: a toolbox for SMPP v3.4 peers

Usage: smpp <command> [options] [args]

Commands:
  decode    print PDUs given in hex as JSON, one object per line
  smsc      run an SMSC simulator (receipts, MO on bind, echo, rejects, throttling)
  send      submit a text message, optionally waiting for its delivery receipts
  listen    receive and print messages and delivery receipts
  bench     load-test an SMSC with pipelined submit_sm
  demo      watch a complete exchange with an in-process SMSC simulator

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
        Some("smsc") => smsc::run(args),
        Some("send") => send::run(args),
        Some("listen") => listen::run(args),
        Some("bench") => bench::run(args),
        Some("demo") => demo::run(args),
        Some("-h" | "--help" | "help") => match args.next().as_ref().and_then(|a| a.to_str()) {
            Some("decode") => cli::print_help(decode::HELP),
            Some("smsc") => cli::print_help(smsc::HELP),
            Some("send") => cli::print_help(&send::help()),
            Some("listen") => cli::print_help(&listen::help()),
            Some("bench") => cli::print_help(&bench::help()),
            Some("demo") => cli::print_help(demo::HELP),
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
