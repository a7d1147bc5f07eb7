//! `smpp inspect FILE`: SMPP sessions rebuilt from a packet capture.

use crate::cli;
use clap::Args;
use smpp_cli::capture::{read_capture, StreamEvent};
use smpp_cli::decode::{decode_octets, Record};
use smpp_cli::inspect::{Analyzer, InspectOptions, PduSeen};
use smpp_core::pdu::ParseOptions;
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufReader, Write};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

/// The subcommand's description under `--help`.
pub const ABOUT: &str = "\
Rebuild the SMPP sessions of a packet capture (pcap or pcapng) and report on
each connection: endpoints and roles (ESME, SMSC), the bind (system_id, type,
status, latency), PDUs per command and per status, requests left unanswered
(with their age), response latency p50/p99/max per command and direction, the
largest window in flight, throttling and error episodes, enquire_link cadence
and the longest silence, delivery receipts matched to submits (delay, final
states), unbind and close (FIN, RST, end of capture), decode errors (frame and
stream offset) and octets skipped to resynchronise after a gap or a stream
joined mid-way.

A TCP connection is SMPP when either port is one of --port (default 2775 and
3550), or when its first octets form a plausible SMPP header (unless
--no-heuristic).";

/// The text after the options under `--help`.
pub const AFTER_HELP: &str = "\
Exit status: 0 when the capture was read, 1 when it could not be, 2 on a usage error.

Examples:
  $ tcpdump -i lo -w smpp.pcap port 2775
  $ smpp inspect smpp.pcap
  $ smpp inspect --json smpp.pcap | jq '.connections[].bind'
  $ smpp inspect --pdus --port 9000 --no-heuristic smpp.pcap";

/// `smpp inspect`'s arguments.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The capture file (pcap or pcapng).
    #[arg(value_name = "FILE")]
    file: std::path::PathBuf,
    /// A port that marks a connection as SMPP, the SMSC's side (repeatable; default 2775
    /// and 3550).
    #[arg(long = "port", value_name = "N")]
    ports: Vec<u16>,
    /// Only take connections on --port, not those that merely look like SMPP.
    #[arg(long)]
    no_heuristic: bool,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
    /// Print every PDU as one JSON line (`smpp decode`'s format plus ts, conn, direction,
    /// frame, offset); the report follows only with --json.
    #[arg(long)]
    pdus: bool,
}

const NAME: &str = "smpp inspect";

/// One PDU as `smpp decode` prints it, with where and when it was seen.
fn pdu_line(p: &PduSeen<'_>) -> String {
    let records = decode_octets(p.bytes, &ParseOptions::default());
    let mut o = match records.into_iter().next() {
        Some(Record::Pdu(o)) | Some(Record::Error(o)) => o,
        None => smpp_cli::decode::Object::new(),
    };
    o.insert("ts", p.ts.as_secs_f64());
    o.insert("conn", p.conn.0);
    o.insert("direction", p.direction.as_str());
    o.insert("frame", p.frame);
    o.insert("offset", p.offset);
    o.to_string()
}

/// Runs the subcommand.
pub fn run(args: InspectArgs) -> ExitCode {
    let mut opts = InspectOptions::default();
    if !args.ports.is_empty() {
        opts.ports = args.ports;
    }
    opts.heuristic = !args.no_heuristic;
    let file = match File::open(&args.file) {
        Ok(f) => BufReader::new(f),
        Err(e) => {
            eprintln!("{NAME}: cannot open {}: {e}", args.file.display());
            return ExitCode::from(cli::EXIT_FAILED);
        }
    };
    let out_err: Rc<RefCell<Option<io::Error>>> = Rc::default();
    let mut analyzer = Analyzer::new(opts);
    if args.pdus {
        let err = out_err.clone();
        analyzer = analyzer.with_pdu_sink(Box::new(move |p| {
            if err.borrow().is_some() {
                return;
            }
            let mut out = io::stdout().lock();
            if let Err(e) = writeln!(out, "{}", pdu_line(p)) {
                *err.borrow_mut() = Some(e);
            }
        }));
    }
    let mut end = Duration::ZERO;
    let result = read_capture(file, |ev| {
        let ts = match &ev {
            StreamEvent::Open { ts, .. }
            | StreamEvent::Data { ts, .. }
            | StreamEvent::Gap { ts, .. }
            | StreamEvent::Close { ts, .. } => *ts,
        };
        end = end.max(ts);
        analyzer.event(ev);
    });
    if let Err(e) = result {
        eprintln!("{NAME}: {}: {e}", args.file.display());
        return ExitCode::from(cli::EXIT_FAILED);
    }
    let report = analyzer.finish(end);
    if let Some(e) = out_err.borrow_mut().take() {
        return cli::output_failed(NAME, &e);
    }
    let mut out = io::stdout().lock();
    let written = if args.json {
        cli::write_line(&mut out, smpp_cli::json::to_string(&report))
    } else if args.pdus {
        Ok(())
    } else {
        write!(out, "{report}").and_then(|()| out.flush())
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => cli::output_failed(NAME, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smpp_cli::capture::ConnId;
    use smpp_cli::inspect::Direction;

    #[test]
    fn a_pdu_line_is_decode_s_object_with_where_and_when() {
        let bytes = [0, 0, 0, 16, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 1];
        let line = pdu_line(&PduSeen {
            ts: Duration::from_millis(1500),
            conn: ConnId(3),
            direction: Direction::EsmeToSmsc,
            frame: 7,
            offset: 32,
            bytes: &bytes,
        });
        assert_eq!(
            line,
            r#"{"command":"enquire_link","command_id":"0x00000015","command_length":16,"command_status":0,"command_status_name":"ESME_ROK","sequence_number":1,"ts":1.5,"conn":3,"direction":"esme->smsc","frame":7,"offset":32}"#
        );
    }
}
