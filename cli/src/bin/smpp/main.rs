//! The `smpp` command-line tool: a dispatcher over subcommands, one module each.
//!
//! Arguments are parsed with clap (derive): [`Cli`] holds one variant per subcommand, each
//! an argument struct of its module (the connection options of `send`, `listen` and
//! `bench` are `opts::Connection`, flattened into each). Value parsers name the option in
//! their errors; checks across options that clap cannot express are made by each
//! subcommand and reported the same way ([`cli::usage_error`]). `smpp completions SHELL`
//! prints a completion script generated from the same definitions. Exit status: 0 on
//! success (`--help` and `--version` included), 1 when the command ran but something
//! failed (an input did not decode, ...), 2 on a usage error.

mod bench;
mod cli;
mod decode;
mod demo;
mod inspect;
mod link;
mod listen;
mod opts;
mod send;
mod smsc;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

/// The text after the tool's own help.
const AFTER_HELP: &str = "\
Run `smpp <command> --help` for a command's options and examples.

Exit status: 0 on success, 1 when a command failed, 2 on a usage error.";

/// smpp: a toolbox for SMPP v3.4 peers.
#[derive(Parser, Debug)]
#[command(
    name = "smpp",
    version,
    about = "smpp: a toolbox for SMPP v3.4 peers",
    arg_required_else_help = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print PDUs given in hex as JSON, one object per line.
    #[command(long_about = decode::ABOUT, after_help = decode::AFTER_HELP)]
    Decode(decode::DecodeArgs),
    /// Rebuild the SMPP sessions of a packet capture and report on each connection.
    #[command(long_about = inspect::ABOUT, after_help = inspect::AFTER_HELP)]
    Inspect(inspect::InspectArgs),
    /// Run an SMSC simulator (receipts, MO on bind, echo, rejects, throttling, profiles).
    #[command(long_about = smsc::ABOUT, after_help = smsc::AFTER_HELP)]
    Smsc(smsc::SmscArgs),
    /// Submit a text message, optionally waiting for its delivery receipts.
    #[command(long_about = send::ABOUT, after_help = send::AFTER_HELP)]
    Send(send::SendArgs),
    /// Receive and print messages and delivery receipts.
    #[command(long_about = listen::ABOUT, after_help = listen::AFTER_HELP)]
    Listen(listen::ListenArgs),
    /// Load-test an SMSC with pipelined submit_sm.
    #[command(long_about = bench::ABOUT, after_help = bench::AFTER_HELP)]
    Bench(bench::BenchArgs),
    /// Watch a complete exchange with an in-process SMSC simulator.
    #[command(long_about = demo::ABOUT, after_help = demo::AFTER_HELP)]
    Demo(demo::DemoArgs),
    /// Print a shell completion script to standard output.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
}

const COMPLETIONS_HELP: &str = "\
Examples:
  $ smpp completions bash > ~/.local/share/bash-completion/completions/smpp
  $ smpp completions zsh > ~/.zfunc/_smpp      # with fpath+=(~/.zfunc) in ~/.zshrc
  $ smpp completions fish > ~/.config/fish/completions/smpp.fish";

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Help and version go to standard output (exit 0), errors to standard error
            // (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { cli::EXIT_USAGE } else { 0 });
        }
    };
    match cli.command {
        Command::Decode(a) => decode::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Smsc(a) => smsc::run(a),
        Command::Send(a) => send::run(a),
        Command::Listen(a) => listen::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "smpp", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        // clap's own checks: no two options with one name, defaults that parse, ...
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_and_overrides_of_the_connection_options() {
        let cli = Cli::try_parse_from(["smpp", "send", "--to", "1", "hi"]).unwrap();
        let Command::Send(a) = cli.command else {
            panic!("not send")
        };
        let c = a.connection().client_config();
        assert_eq!(c.addr_ton, 0);
        assert_eq!(c.system_type, "");
        // The library's 30 s enquire_link stays unless asked.
        assert_eq!(
            c.session.enquire_link_interval,
            smpp_core::session::SessionConfig::esme().enquire_link_interval
        );
        let cli = Cli::try_parse_from([
            "smpp",
            "listen",
            "--enquire-link",
            "0",
            "--inactivity-timeout",
            "2s",
            "--response-timeout",
            "500ms",
            "--ca",
            "ca.pem",
        ])
        .unwrap();
        let Command::Listen(a) = cli.command else {
            panic!("not listen")
        };
        assert!(a.connection().tls.enabled(), "--ca implies --tls");
        let c = a.connection().client_config();
        assert_eq!(c.session.enquire_link_interval, None);
        assert_eq!(
            c.session.inactivity_timeout,
            Some(std::time::Duration::from_secs(2).into())
        );
        assert_eq!(
            c.session.response_timeout,
            std::time::Duration::from_millis(500).into()
        );
    }
}
