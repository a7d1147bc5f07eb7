//! `smpp decode [--strict] [HEX ...]`: PDUs in hex to JSON lines.

use crate::cli;
use clap::Args;
use smpp_cli::decode::decode_hex;
use smpp_core::pdu::ParseOptions;
use std::io::{self, BufRead};
use std::process::ExitCode;

/// The subcommand's description under `--help`.
pub const ABOUT: &str = "\
Print SMPP v3.4 PDUs given in hex as JSON, one object per line.

Each HEX argument is one input: hex digits in upper or lower case, whitespace
anywhere, an optional 0x prefix. Without HEX arguments, standard input is read,
one input per non-empty line. An input may hold several PDUs back to back:
each prints as its own object, in order.

Each output line is one JSON object:
  a PDU     command, command_id, command_length, command_status,
            command_status_name, sequence_number, then every body field under
            its SMPP 3.4 name, then tlvs: [{tag, name, value}]. Octet strings
            are text when every octet is printable ASCII, else lowercase hex.
            A PDU that breaks the specification in a way real SMSCs do (and
            the library accepts by default) gets a last key, warning.
  a fault   error, status, status_code, field, input. The rest of that input
            is skipped: input holds the octets from the failing PDU on.
            An input that ends inside a PDU reports \"incomplete PDU: N more
            octets needed\" with status ESME_RINVCMDLEN; text that is not hex
            reports \"invalid hex: ...\" with a null status.";

/// The text after the options under `--help`.
pub const AFTER_HELP: &str = "\
Exit status: 0 when every input decoded, 1 when any failed, 2 on a usage error.

Examples:
  $ smpp decode 00000010000000150000000000000001
  {\"command\":\"enquire_link\",\"command_id\":\"0x00000015\",\"command_length\":16,\"command_status\":0,\"command_status_name\":\"ESME_ROK\",\"sequence_number\":1}
  $ smpp decode --strict < pdus.hex";

/// `smpp decode`'s arguments.
#[derive(Args, Debug)]
pub struct DecodeArgs {
    /// Reject what SMPP 3.4 forbids but real SMSCs and ESMEs send (an over-long password or
    /// system_id, ...), as an error naming the field (by default such a PDU is decoded and
    /// gets a warning).
    #[arg(long)]
    strict: bool,
    /// PDUs in hex, one input each (`--` before an input that starts with a dash); none:
    /// read standard input.
    #[arg(value_name = "HEX")]
    inputs: Vec<String>,
}

const NAME: &str = "smpp decode";

/// Runs the subcommand.
pub fn run(args: DecodeArgs) -> ExitCode {
    let opts = if args.strict {
        ParseOptions::strict()
    } else {
        ParseOptions::default()
    };
    let inputs = args.inputs;

    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut failed = false;
    let mut emit = |text: &str, out: &mut io::StdoutLock<'_>| -> io::Result<()> {
        for record in decode_hex(text, &opts) {
            failed |= record.is_error();
            cli::write_line(out, record.object())?;
        }
        Ok(())
    };

    let result = if inputs.is_empty() {
        read_lines(io::stdin().lock(), |line| emit(line, &mut out))
    } else {
        inputs
            .iter()
            .try_for_each(|text| emit(text, &mut out))
            .map_err(Failure::Output)
    };
    match result {
        Ok(()) if failed => ExitCode::from(cli::EXIT_FAILED),
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => cli::output_failed(NAME, &e),
        Err(Failure::Input(e)) => {
            eprintln!("{NAME}: cannot read standard input: {e}");
            ExitCode::from(cli::EXIT_USAGE)
        }
    }
}

enum Failure {
    Input(io::Error),
    Output(io::Error),
}

/// Calls `each` for every non-blank line of `input` (not UTF-8: decoded lossily, which then
/// fails as hex).
fn read_lines(
    mut input: impl BufRead,
    mut each: impl FnMut(&str) -> io::Result<()>,
) -> Result<(), Failure> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf).map_err(Failure::Input)? == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&buf);
        if !line.trim().is_empty() {
            each(line.trim()).map_err(Failure::Output)?;
        }
    }
}
