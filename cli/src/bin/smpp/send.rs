//! `smpp send --to NUMBER [options] TEXT`: submit one message, optionally waiting for its
//! delivery receipts; `smpp send --broadcast --area FORMAT:AREA TEXT`,
//! `--query-broadcast ID` and `--cancel-broadcast ID`: the SMPP 5.0 broadcast commands.

use crate::cli;
use crate::link::{Incoming, Link};
use crate::opts::{self, Connection};
use clap::Args;
use smpp_cli::broadcast::{self, Area, ContentType};
use smpp_cli::duration::{format_duration, parse_duration};
use smpp_cli::message::{
    address, address_text, coding_name, prepare, random_u64, MessageView, Outgoing, Split,
    TextEncoding,
};
use smpp_core::client::ClientConfig;
use smpp_core::message::MessageState;
use smpp_core::pdu::{
    Body, BroadcastFrequencyInterval, BroadcastSm, CancelBroadcastSm, DataCoding, QueryBroadcastSm,
    RegisteredDelivery, Tlv, TlvTag, Tlvs,
};
use smpp_core::session::{BindType, SessionError, SmppVersion};
use std::cell::RefCell;
use std::process::ExitCode;
use std::time::Duration;

/// The subcommand's description under `--help`.
pub const ABOUT: &str = "\
Submit a text message, optionally waiting for its delivery receipts.

Binds, encodes TEXT, splits it when it does not fit one message, submits every
part (pipelined) and prints each part's message id:
  part 1/3 message_id=0000000001
With --wait-receipt, also waits for one delivery receipt per part (matched by
the receipted_message_id TLV or the receipt text's id) and prints its fields:
  receipt 1/3 id=0000000001 stat=DELIVRD err=000 sub=001 dlvrd=001 ...
Several TEXT arguments are joined with spaces. Numbers (digits, optional +)
are sent as international (TON 1, NPI 1), anything else as alphanumeric.
--runtime blocking does the same through smpp-blocking's client (threads)
instead of smpp-smol's, --runtime tokio through smpp-tokio's (on a tokio
runtime).

With --broadcast, sends TEXT as an SMPP 5.0 broadcast_sm instead (no --to):
binds asking for SMPP 5.0 (interface_version 0x50), puts TEXT in the
message_payload TLV, every --area in a broadcast_area_identifier, and prints
  broadcast message_id=0000000001
--query-broadcast ID prints the broadcast's state, areas and area success:
  broadcast message_id=0000000001 state=ENROUTE areas=name:Zone1 area_success=100
and --cancel-broadcast ID cancels it:
  cancelled message_id=0000000001
An SMSC that answers the bind with sc_interface_version 0x34 (SMPP 3.4) has no
broadcast commands: send then fails without sending them.";

/// The text after the options under `--help`.
pub const AFTER_HELP: &str = "\
Durations: 3 (seconds), 500ms, 3s, 2m. --system-id and --password default to
the environment variables SMPP_SYSTEM_ID and SMPP_PASSWORD when set (the
command line wins).

Exit status: 0 when every part was accepted (and, with --wait-receipt, reported
DELIVRD), 1 otherwise (bind failed, part rejected, timeout, ...), 2 on a usage
error (including a text the chosen encoding cannot carry).

Examples:
  $ smpp send --to +447700900123 --from Shop --wait-receipt 'Your order shipped'
  $ SMPP_PASSWORD=secret smpp send --connect smsc.example:2775 --system-id acme \\
      --system-type VMA --addr-ton 1 --addr-npi 1 --to 447700900123 Hello
  $ smpp send --tls --connect smsc.example:3550 --enquire-link 10s --to 1 'Hi'
  $ smpp send --broadcast --area name:Zone1 --area polygon:0a1b2c3d \\
      --content-type gsm:0x0001 --repetitions 5 --frequency 2m 'Road closed'
  $ smpp send --query-broadcast 0000000001
  $ smpp send --cancel-broadcast 0000000001

Broadcast values: --area name:TEXT (format 0x00, an alias or name), arc:HEX
(0x01, an ellipsoid arc), polygon:HEX (0x02) or raw:HEX (the whole value,
format octet first), at most 100 octets. --content-type NETWORK:TYPE, NETWORK
generic, gsm, tdma, cdma or 0..255, TYPE 0..65535 (0x hex allowed; 0x0000
index, 0x0001 emergency broadcasts, ...). --frequency 0 asks for 'as frequently
as possible'; other intervals are sent in the largest unit that holds them
exactly (weeks, days, hours, minutes or seconds, at most 65535 of it).";

/// `smpp send`'s arguments.
#[derive(Args, Debug)]
pub struct SendArgs {
    /// Destination address.
    #[arg(long, value_name = "NUMBER", value_parser = address_arg(),
          required_unless_present_any = ["broadcast", "query_broadcast", "cancel_broadcast"],
          conflicts_with_all = ["broadcast", "query_broadcast", "cancel_broadcast"])]
    to: Option<String>,
    /// Source address (default: empty, the SMSC's choice).
    #[arg(long, value_name = "SENDER", default_value = "", hide_default_value = true,
          value_parser = address_arg())]
    from: String,
    /// Bind as transmitter or transceiver.
    #[arg(long, value_name = "tx|trx", default_value = "trx",
          value_parser = opts::bind_type(&[BindType::Transmitter, BindType::Transceiver]))]
    bind: BindType,
    /// auto, gsm7, ucs2 or latin1 (auto: GSM 7-bit when every character is in the GSM
    /// alphabet, else UCS2).
    #[arg(long, value_name = "ENC", default_value = "auto", value_parser = opts::parsed::<TextEncoding>())]
    encoding: TextEncoding,
    /// How a long text travels: udh (concatenation header), sar (SAR TLVs) or payload
    /// (one submit_sm with a message_payload TLV).
    #[arg(long, value_name = "METHOD", default_value = "udh", value_parser = opts::parsed::<Split>())]
    split: Split,
    /// Ask for delivery receipts and wait for them (needs --bind trx).
    #[arg(long)]
    wait_receipt: bool,
    /// Ask for delivery receipts without waiting for them: they go to the account's
    /// receiver binds (another process, or another node sharing the SMSC's store).
    #[arg(long, conflicts_with = "wait_receipt")]
    receipt: bool,
    /// Give up after D in all (more than 0); also the bind and response timeouts unless
    /// --response-timeout is given.
    #[arg(long, value_name = "D", default_value = "30s", value_parser = opts::nonzero_duration(),
          allow_hyphen_values = true)]
    timeout: Duration,
    /// Send TEXT as an SMPP 5.0 broadcast_sm to the --area areas (binds asking for 5.0)
    /// and print its message id.
    #[arg(long, requires = "area", conflicts_with_all = ["query_broadcast", "cancel_broadcast", "wait_receipt"])]
    broadcast: bool,
    /// A broadcast area (broadcast_area_identifier): name:TEXT, arc:HEX, polygon:HEX or
    /// raw:HEX; repeatable.
    #[arg(long, value_name = "FORMAT:AREA", value_parser = opts::parsed::<Area>())]
    area: Vec<Area>,
    /// The broadcast's broadcast_content_type, NETWORK:TYPE (network generic, gsm, tdma,
    /// cdma or 0..255; the content type 0..65535).
    #[arg(long, value_name = "NETWORK:TYPE", default_value = "gsm:0x0000",
          value_parser = opts::parsed::<ContentType>(), requires = "broadcast")]
    content_type: ContentType,
    /// How many times the broadcast is repeated (broadcast_rep_num, 0..65535).
    #[arg(long, value_name = "N", default_value = "1", value_parser = opts::parsed::<u16>(),
          requires = "broadcast")]
    repetitions: u16,
    /// The interval between repetitions (broadcast_frequency_interval); 0: as frequently
    /// as possible.
    #[arg(long, value_name = "D", default_value = "1m", value_parser = frequency_arg(),
          allow_hyphen_values = true, requires = "broadcast")]
    frequency: BroadcastFrequencyInterval,
    /// Query the broadcast with this message id (query_broadcast_sm, SMPP 5.0) and print
    /// its state, areas and area success.
    #[arg(long, value_name = "ID", value_parser = opts::c_octets(64),
          conflicts_with_all = ["cancel_broadcast", "text", "wait_receipt"])]
    query_broadcast: Option<String>,
    /// Cancel the broadcast with this message id (cancel_broadcast_sm, SMPP 5.0).
    #[arg(long, value_name = "ID", value_parser = opts::c_octets(64),
          conflicts_with_all = ["text", "wait_receipt"])]
    cancel_broadcast: Option<String>,
    /// The message text (several words are joined with spaces).
    #[arg(value_name = "TEXT", required_unless_present_any = ["query_broadcast", "cancel_broadcast"])]
    text: Vec<String>,
    /// The connection options (last, so that they are listed after the command's own).
    #[command(flatten)]
    conn: Connection,
}

impl SendArgs {
    /// The connection options.
    #[cfg(test)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

const NAME: &str = "smpp send";

/// An address of at most 20 characters (as sent).
fn address_arg() -> opts::Named<String> {
    opts::named(|name, a| {
        if address(a).addr.len() > 20 {
            Err(format!(
                "{name} {a:?} is longer than the 20 characters SMPP allows"
            ))
        } else {
            Ok(a.to_string())
        }
    })
}

/// A `broadcast_frequency_interval` from a duration (`0`, `30s`, `2m`, `1h`).
fn frequency_arg() -> opts::Named<BroadcastFrequencyInterval> {
    opts::named(|name, text| {
        let d = parse_duration(text).map_err(|e| format!("{name}: {e}"))?;
        broadcast::frequency(d).map_err(|e| format!("{name} {text:?}: {e}"))
    })
}

/// What a broadcast run asks for.
enum Broadcast {
    /// broadcast_sm of the text.
    Send {
        areas: Vec<Area>,
        content_type: ContentType,
        repetitions: u16,
        frequency: BroadcastFrequencyInterval,
    },
    /// query_broadcast_sm of this message id.
    Query(String),
    /// cancel_broadcast_sm of this message id.
    Cancel(String),
}

struct Options {
    conn: Connection,
    to: String,
    from: String,
    bind: BindType,
    encoding: TextEncoding,
    split: Split,
    wait_receipt: bool,
    receipt: bool,
    timeout: Duration,
    text: String,
}

/// Runs the subcommand.
pub fn run(a: SendArgs) -> ExitCode {
    if a.wait_receipt && a.bind == BindType::Transmitter {
        return cli::conflict(
            "send",
            "--wait-receipt needs --bind trx: a transmitter bind receives no receipts",
        );
    }
    if !a.area.is_empty() && !a.broadcast {
        return cli::conflict("send", "--area goes with --broadcast");
    }
    let broadcast = if a.broadcast {
        Some(Broadcast::Send {
            areas: a.area,
            content_type: a.content_type,
            repetitions: a.repetitions,
            frequency: a.frequency,
        })
    } else if let Some(id) = a.query_broadcast {
        Some(Broadcast::Query(id))
    } else {
        a.cancel_broadcast.map(Broadcast::Cancel)
    };
    let o = Options {
        conn: a.conn,
        to: a.to.unwrap_or_default(),
        from: a.from,
        bind: a.bind,
        encoding: a.encoding,
        split: a.split,
        wait_receipt: a.wait_receipt,
        receipt: a.receipt,
        timeout: a.timeout,
        text: a.text.join(" "),
    };
    if let Some(b) = broadcast {
        return run_broadcast(&o, &b);
    }
    let out = match prepare(&o.text, o.encoding, o.split, random_u64() as u16) {
        Ok(out) => out,
        Err(e) => {
            eprintln!("{NAME}: {e}");
            return ExitCode::from(cli::EXIT_USAGE);
        }
    };
    let phase = RefCell::new(String::from("connecting"));
    with_timeout(&o, &phase, send(&o, &out, &phase))
}

/// The client configuration of `o`: bind type and timeouts.
fn client_config(o: &Options) -> ClientConfig {
    let mut config = o.conn.client_config();
    config.bind_type = o.bind;
    config.connect_timeout = o.timeout;
    config.session.bind_timeout = o.timeout.into();
    if o.conn.timers.response_timeout.is_none() {
        config.session.response_timeout = o.timeout.into();
    }
    config
}

/// Runs `f` within the overall timeout, naming the phase it timed out in; the exit code.
fn with_timeout<'a, F>(o: &Options, phase: &RefCell<String>, work: F) -> ExitCode
where
    F: std::future::Future<Output = Result<(), String>> + 'a,
{
    let result = smol::block_on(async {
        let timer = async {
            async_io::Timer::after(o.timeout).await;
            Err(format!(
                "timed out after {} ({})",
                format_duration(o.timeout),
                phase.borrow()
            ))
        };
        futures_lite::future::or(work, timer).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{NAME}: {e}");
            ExitCode::from(cli::EXIT_FAILED)
        }
    }
}

fn run_broadcast(o: &Options, b: &Broadcast) -> ExitCode {
    // Encoded up front: a text the encoding cannot carry is a usage error.
    let payload = match b {
        Broadcast::Send { .. } => {
            let encoding = o.encoding.resolve(&o.text);
            match smpp_core::message::encode(&o.text, encoding) {
                Ok(bytes) => Some((DataCoding(encoding.data_coding()), bytes)),
                Err(e) => {
                    eprintln!("{NAME}: {e}");
                    return ExitCode::from(cli::EXIT_USAGE);
                }
            }
        }
        _ => None,
    };
    let phase = RefCell::new(String::from("connecting"));
    with_timeout(o, &phase, broadcast_session(o, b, payload, &phase))
}

async fn broadcast_session(
    o: &Options,
    b: &Broadcast,
    payload: Option<(DataCoding, Vec<u8>)>,
    phase: &RefCell<String>,
) -> Result<(), String> {
    let mut config = client_config(o);
    config.session.max_version = SmppVersion::V5_0;
    let (client, _incoming) = o
        .conn
        .connect(config)
        .await
        .map_err(|e| format!("{e} ({})", o.conn.connect))?;
    eprintln!(
        "{NAME}: bound to {} as {}: state {}",
        o.conn.connect,
        o.conn.system_id,
        client.state()
    );
    *phase.borrow_mut() = "waiting for the broadcast response".into();
    let result = broadcast_request(o, b, payload, &client).await;
    *phase.borrow_mut() = "unbinding".into();
    let _ = client.unbind().await;
    eprintln!("{NAME}: state {}", client.state());
    result
}

/// Sends the broadcast request and prints its answer.
async fn broadcast_request(
    o: &Options,
    b: &Broadcast,
    payload: Option<(DataCoding, Vec<u8>)>,
    client: &Link,
) -> Result<(), String> {
    let source = address(&o.from);
    let content_type;
    let frequency;
    let mut tlvs: Vec<Tlv<'_>> = Vec::new();
    let body = match b {
        Broadcast::Send {
            areas,
            content_type: ct,
            repetitions,
            frequency: f,
        } => {
            content_type = ct.0.to_bytes();
            frequency = f.to_bytes();
            let (data_coding, text) = payload
                .as_ref()
                .map_or((DataCoding(0), &[][..]), |(d, t)| (*d, t));
            tlvs.extend(
                areas
                    .iter()
                    .map(|a| Tlv::octets(TlvTag::BROADCAST_AREA_IDENTIFIER, a.value())),
            );
            tlvs.push(Tlv::octets(TlvTag::BROADCAST_CONTENT_TYPE, &content_type));
            tlvs.push(Tlv::u16(TlvTag::BROADCAST_REP_NUM, *repetitions));
            tlvs.push(Tlv::octets(
                TlvTag::BROADCAST_FREQUENCY_INTERVAL,
                &frequency,
            ));
            tlvs.push(Tlv::octets(TlvTag::MESSAGE_PAYLOAD, text));
            Body::BroadcastSm(BroadcastSm {
                source,
                data_coding,
                tlvs: Tlvs::from_slice(&tlvs),
                ..BroadcastSm::default()
            })
        }
        Broadcast::Query(id) => Body::QueryBroadcastSm(QueryBroadcastSm {
            message_id: id.as_bytes(),
            source,
            tlvs: Tlvs::EMPTY,
        }),
        Broadcast::Cancel(id) => Body::CancelBroadcastSm(CancelBroadcastSm {
            service_type: b"",
            message_id: id.as_bytes(),
            source,
            tlvs: Tlvs::EMPTY,
        }),
    };
    let command = body.command_id();
    let pending = client
        .submit(&body)
        .await
        .map_err(|e| match e.session_error() {
            Some(SessionError::NotNegotiated { version, .. }) => format!(
                "the SMSC at {} negotiated SMPP {version}: {command} needs SMPP 5.0 (an SMSC of \
             SMPP 3.4 answers it generic_nack ESME_RINVCMDID); nothing was sent",
                o.conn.connect
            ),
            _ => format!("{command}: {e}"),
        })?;
    let r = pending
        .wait()
        .await
        .map_err(|e| format!("{command}: {e}"))?;
    if !r.status().is_ok() {
        return Err(format!("{command} rejected: {}", r.status()));
    }
    let pdu = r
        .pdu()
        .map_err(|e| format!("undecodable {command} response: {e}"))?;
    match (b, &pdu.body) {
        (Broadcast::Send { .. }, Body::BroadcastSmResp(resp)) => {
            println!(
                "broadcast message_id={}",
                String::from_utf8_lossy(resp.message_id)
            );
        }
        (Broadcast::Query(_), Body::QueryBroadcastSmResp(q)) => {
            let state = q
                .tlvs
                .message_state()
                .map_or_else(|| "?".into(), |s| MessageState::from_u8(s).to_string());
            let areas: Vec<String> = q
                .tlvs
                .iter()
                .filter(|t| t.tag == TlvTag::BROADCAST_AREA_IDENTIFIER)
                .filter_map(|t| Area::from_value(t.value.octets()?))
                .map(|a| a.to_string())
                .collect();
            let success = q
                .tlvs
                .broadcast_area_success()
                .map_or_else(|| "?".into(), |v| v.to_string());
            println!(
                "broadcast message_id={} state={state} areas={} area_success={success}",
                String::from_utf8_lossy(q.message_id),
                areas.join(",")
            );
        }
        (Broadcast::Cancel(id), Body::CancelBroadcastSmResp) => {
            println!("cancelled message_id={id}");
        }
        (_, other) => return Err(format!("{command} answered with {}", other.command_id())),
    }
    Ok(())
}

async fn send(o: &Options, out: &Outgoing, phase: &RefCell<String>) -> Result<(), String> {
    let mut config = client_config(o);
    config.session.window = config.session.window.max(out.parts.len().min(64));
    let (client, incoming) = o
        .conn
        .connect(config)
        .await
        .map_err(|e| format!("{e} ({})", o.conn.connect))?;
    eprintln!(
        "{NAME}: bound to {} as {}: state {}",
        o.conn.connect,
        o.conn.system_id,
        client.state()
    );
    let result = submit_and_wait(o, out, phase, &client, &incoming).await;
    *phase.borrow_mut() = "unbinding".into();
    let _ = client.unbind().await;
    eprintln!("{NAME}: state {}", client.state());
    result
}

async fn submit_and_wait(
    o: &Options,
    out: &Outgoing,
    phase: &RefCell<String>,
    client: &Link,
    incoming: &Incoming,
) -> Result<(), String> {
    let total = out.parts.len();
    let rd = if o.wait_receipt || o.receipt {
        RegisteredDelivery::ON_SUCCESS_OR_FAILURE
    } else {
        RegisteredDelivery::NONE
    };
    if total > 1 || o.split == Split::Payload {
        eprintln!(
            "{NAME}: {} characters, {}, {total} part{} ({}, reference {})",
            o.text.chars().count(),
            coding_name(out.encoding.data_coding()),
            if total == 1 { "" } else { "s" },
            out.split,
            out.reference
        );
    }
    *phase.borrow_mut() = "submitting".into();
    let mut pending = Vec::with_capacity(total);
    for i in 0..total {
        let tlvs = out.tlvs(i);
        let sm = out.submit_sm(i, &tlvs, address(&o.from), address(&o.to), rd);
        let f = client
            .submit(&Body::SubmitSm(sm))
            .await
            .map_err(|e| format!("part {}/{total}: {e}", i + 1))?;
        pending.push(f);
    }
    *phase.borrow_mut() = "waiting for submit_sm_resp".into();
    let mut ids: Vec<Option<String>> = Vec::with_capacity(total);
    let mut failed = 0;
    for (i, f) in pending.into_iter().enumerate() {
        let n = i + 1;
        match f.wait().await {
            Ok(r) if r.status().is_ok() => {
                let id = r.message_id().unwrap_or_default();
                println!("part {n}/{total} message_id={id}");
                ids.push(Some(id));
            }
            Ok(r) => {
                println!("part {n}/{total} rejected: {}", r.status());
                failed += 1;
                ids.push(None);
            }
            Err(e) => {
                println!("part {n}/{total} failed: {e}");
                failed += 1;
                ids.push(None);
            }
        }
    }
    if failed > 0 {
        return Err(format!("{failed} of {total} parts not accepted"));
    }
    if !o.wait_receipt {
        return Ok(());
    }

    let mut waiting: Vec<(usize, String)> = ids
        .into_iter()
        .enumerate()
        .filter_map(|(i, id)| id.map(|id| (i + 1, id)))
        .collect();
    let mut undelivered = 0;
    while !waiting.is_empty() {
        *phase.borrow_mut() = format!("received {} of {total} receipts", total - waiting.len());
        let req = incoming.recv().await.ok_or_else(|| {
            format!(
                "the connection closed with {} of {total} receipts missing",
                waiting.len()
            )
        })?;
        let pdu = match req.pdu() {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{NAME}: undecodable request from the SMSC: {e}");
                continue;
            }
        };
        match MessageView::from_body(&pdu.body) {
            Some(view) if view.is_receipt() => {
                let r = view.receipt();
                match waiting.iter().position(|(_, id)| r.is_for(id)) {
                    Some(k) => {
                        let (n, _) = waiting.remove(k);
                        println!("receipt {n}/{total} {r}");
                        if !r.delivered() {
                            undelivered += 1;
                        }
                    }
                    None => eprintln!("{NAME}: ignoring a receipt for another message: {r}"),
                }
            }
            Some(view) => println!(
                "message from {} to {}: {:?}",
                address_text(&view.source),
                address_text(&view.destination),
                view.text()
            ),
            None => eprintln!(
                "{NAME}: ignoring {} from the SMSC",
                pdu.command_id().name().unwrap_or("a request")
            ),
        }
        if let Err(e) = req.respond_ok() {
            eprintln!("{NAME}: cannot answer the SMSC: {e}");
        }
    }
    if undelivered > 0 {
        return Err(format!("{undelivered} of {total} parts were not delivered"));
    }
    Ok(())
}
