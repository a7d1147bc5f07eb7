//! Option types and value parsers shared by the subcommands: the connection options every
//! client subcommand takes ([`Connection`], with [`TlsOptions`], [`BindOptions`] and
//! [`TimerOptions`] flattened into it), and value parsers whose errors name the option.

use crate::link::{self, Incoming, Link};
use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::Args;
use smpp_cli::duration::parse_duration;
use smpp_core::pdu::CommandId;
use smpp_core::session::{BindType, CommandSet, Inactivity};
use smpp_smol::{ClientConfig, Trace};
use std::ffi::OsStr;
use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The runtime crate whose client (or server) does the work (`--runtime`).
pub use smpp_cli::runtime::Runtime;

/// The largest `--window` (requests in flight per session) the tool accepts.
pub const MAX_WINDOW: usize = 100_000;

/// The tool's default for `--throttle-retries` (the library's is 0).
pub const DEFAULT_THROTTLE_RETRIES: u32 = 10;

/// Where and as whom a client binds: the options of `send`, `listen` and `bench`.
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Connection")]
pub struct Connection {
    /// The SMSC.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:2775")]
    pub connect: String,
    /// Account (the bind's system_id).
    #[arg(
        long,
        value_name = "ID",
        env = "SMPP_SYSTEM_ID",
        default_value = "smppclient1"
    )]
    pub system_id: String,
    /// Password (never printed, not even by --trace).
    #[arg(
        long,
        value_name = "PW",
        env = "SMPP_PASSWORD",
        hide_env_values = true,
        default_value = "password"
    )]
    pub password: String,
    /// Print every PDU (decoded summary and hex, password redacted) to standard error.
    #[arg(long)]
    pub trace: bool,
    /// The client library: smol (smpp-smol, async; the default), blocking (smpp-blocking,
    /// threads) or tokio (smpp-tokio, on a 2-worker tokio runtime).
    #[arg(long, value_name = "RT", default_value = "smol", value_parser = parsed::<Runtime>())]
    pub runtime: Runtime,
    /// Send a request answered ESME_RTHROTTLED or ESME_RMSGQFUL again up to N times,
    /// after one pause per throttling episode (0: report the first throttle answer).
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_THROTTLE_RETRIES,
        value_parser = ranged(0..=1_000u32),
        allow_hyphen_values = true
    )]
    pub throttle_retries: u32,
    #[command(flatten)]
    pub tls: TlsOptions,
    #[command(flatten)]
    pub bind: BindOptions,
    #[command(flatten)]
    pub timers: TimerOptions,
}

/// TLS (SMPPS) for a client: `--tls` and the options that imply it.
#[derive(Args, Clone, Debug, Default)]
#[command(next_help_heading = "TLS")]
pub struct TlsOptions {
    /// Connect over TLS (SMPPS), verifying the SMSC's certificate against the system's
    /// roots.
    #[arg(long)]
    pub tls: bool,
    /// Trust the certificate(s) of this PEM file instead: an SMSC presenting one of them
    /// exactly is accepted (a self-signed certificate, pinned; its name is not checked), any
    /// other must be issued by one of them for the expected name (implies --tls).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<String>,
    /// Accept the SMSC whose certificate has this SHA-256 (of its DER; 64 hex digits, ':'
    /// between pairs allowed; repeatable). Alone: nothing else is accepted; with --ca:
    /// either (implies --tls).
    #[arg(long = "pin-sha256", value_name = "HEX", value_parser = parsed::<smpp_smol::Sha256Pin>())]
    pub pin_sha256: Vec<smpp_smol::Sha256Pin>,
    /// The name the certificate must carry (default: the host of --connect; implies
    /// --tls).
    #[arg(long, value_name = "NAME")]
    pub server_name: Option<String>,
    /// Accept any certificate (test rigs only: no protection against impersonation;
    /// implies --tls).
    #[arg(long)]
    pub insecure: bool,
}

impl TlsOptions {
    /// True when TLS is asked for, by `--tls` or an option that implies it.
    pub fn enabled(&self) -> bool {
        self.tls
            || self.insecure
            || self.ca.is_some()
            || self.server_name.is_some()
            || !self.pin_sha256.is_empty()
    }
}

/// The bind PDU's optional fields.
#[derive(Args, Clone, Debug, Default)]
#[command(next_help_heading = "Bind")]
pub struct BindOptions {
    /// The bind's system_type (at most 12 octets; default empty).
    #[arg(long, value_name = "S", default_value = "", hide_default_value = true,
          value_parser = c_octets(12))]
    pub system_type: String,
    /// The bind's addr_ton, 0 to 255 (default 0).
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true,
          value_parser = octet(), allow_hyphen_values = true)]
    pub addr_ton: u8,
    /// The bind's addr_npi, 0 to 255 (default 0).
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true,
          value_parser = octet(), allow_hyphen_values = true)]
    pub addr_npi: u8,
    /// The bind's address_range (at most 40 octets; default empty).
    #[arg(long, value_name = "RANGE", default_value = "", hide_default_value = true,
          value_parser = c_octets(40))]
    pub address_range: String,
}

/// The session's timers. Durations: 3 (seconds), 500ms, 3s, 2m.
#[derive(Args, Clone, Debug, Default)]
#[command(next_help_heading = "Timers")]
pub struct TimerOptions {
    /// Send enquire_link after D without receiving anything (default 30s; 0: never).
    #[arg(long, value_name = "D", value_parser = duration(), allow_hyphen_values = true)]
    pub enquire_link: Option<Duration>,
    /// How long to wait for the answer to each request (more than 0; default 30s, or
    /// --timeout where the command has one).
    #[arg(long, value_name = "D", value_parser = nonzero_duration(), allow_hyphen_values = true)]
    pub response_timeout: Option<Duration>,
    /// Unbind and close after D without activity (default: never; 0: never).
    #[arg(long, value_name = "D", value_parser = duration(), allow_hyphen_values = true)]
    pub inactivity_timeout: Option<Duration>,
    /// What is activity: any PDU received (the default) or only messages (submit_sm,
    /// deliver_sm, data_sm, submit_multi) either way.
    #[arg(long, value_name = "any|messages", default_value = "any", value_parser = inactivity())]
    pub inactivity_counts: Inactivity,
}

impl Connection {
    /// A client configuration for these options (defaults otherwise).
    pub fn client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new(&self.system_id, &self.password);
        if self.trace {
            c.trace = stderr_trace();
        }
        c.system_type = self.bind.system_type.clone();
        c.addr_ton = self.bind.addr_ton;
        c.addr_npi = self.bind.addr_npi;
        c.address_range = self.bind.address_range.clone();
        c.session.throttle_retries = self.throttle_retries;
        let t = &self.timers;
        if let Some(d) = t.enquire_link {
            c.session.enquire_link_interval = (!d.is_zero()).then(|| d.into());
        }
        if let Some(d) = t.response_timeout {
            c.session.response_timeout = d.into();
        }
        c.session.inactivity_timeout = t
            .inactivity_timeout
            .filter(|d| !d.is_zero())
            .map(Into::into);
        c.session.inactivity = t.inactivity_counts;
        c
    }

    /// Connects and binds, over TLS when asked, with the client of `--runtime`.
    pub async fn connect(&self, config: ClientConfig) -> Result<(Link, Incoming), link::Error> {
        Link::connect(self, config).await
    }
}

/// A trace that prints every PDU, and every session state change with its SMPP 3.4 name,
/// on standard error.
pub fn stderr_trace() -> Trace {
    smpp_cli::trace::StateTrace::stderr().trace()
}

/// SIGINT (Ctrl-C) and SIGTERM, caught from creation on.
pub struct Interrupts(Option<async_signal::Signals>);

impl Interrupts {
    /// Starts catching the signals (quietly does nothing when they cannot be caught).
    pub fn catch() -> Interrupts {
        use async_signal::{Signal, Signals};
        match Signals::new([Signal::Int, Signal::Term]) {
            Ok(s) => Interrupts(Some(s)),
            Err(e) => {
                log::debug!("cannot catch signals: {e}");
                Interrupts(None)
            }
        }
    }

    /// Resolves on the next signal; never when none can be caught.
    pub async fn wait(&mut self) -> async_signal::Signal {
        use futures_lite::StreamExt;
        if let Some(signals) = &mut self.0 {
            while let Some(s) = signals.next().await {
                if let Ok(s) = s {
                    return s;
                }
            }
        }
        futures_lite::future::pending().await
    }
}

// ---------------------------------------------------------------------------------------
// Value parsers: each error message names the option (`--window must be between 1 and
// 100000, not 0`), formatted by clap like its own errors (exit status 2).

/// A value parser from a function of the option's name (`--window`) and the value's text;
/// its error message is the whole of clap's error line.
pub struct Named<T>(Arc<ParseFn<T>>);

/// What a [`Named`] parser calls: the option's name and the value's text.
type ParseFn<T> = dyn Fn(&str, &str) -> Result<T, String> + Send + Sync;

impl<T> Clone for Named<T> {
    fn clone(&self) -> Self {
        Named(self.0.clone())
    }
}

/// A [`Named`] parser.
pub fn named<T>(f: impl Fn(&str, &str) -> Result<T, String> + Send + Sync + 'static) -> Named<T> {
    Named(Arc::new(f))
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Named<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let name = arg.map_or_else(String::new, |a| match a.get_long() {
            Some(long) => format!("--{long}"),
            None => a.get_id().to_string(),
        });
        (self.0)(&name, &value.to_string_lossy())
            .map_err(|m| cmd.clone().error(ErrorKind::ValueValidation, m))
    }
}

/// Any `FromStr` type: `invalid value "x" for --count: ...`.
pub fn parsed<T>() -> Named<T>
where
    T: FromStr + Clone + Send + Sync + 'static,
    T::Err: Display,
{
    named(|name, text| parse_text(name, text))
}

fn parse_text<T: FromStr>(name: &str, text: &str) -> Result<T, String>
where
    T::Err: Display,
{
    text.parse()
        .map_err(|e| format!("invalid value {text:?} for {name}: {e}"))
}

/// A number within `range`: `--binds must be between 1 and 1000, not 0`.
pub fn ranged<T>(range: RangeInclusive<T>) -> Named<T>
where
    T: FromStr + PartialOrd + Display + Clone + Send + Sync + 'static,
    T::Err: Display,
{
    named(move |name, text| {
        let v: T = parse_text(name, text)?;
        if range.contains(&v) {
            Ok(v)
        } else {
            Err(format!(
                "{name} must be between {} and {}, not {text}",
                range.start(),
                range.end()
            ))
        }
    })
}

/// One octet, 0 to 255: `--addr-ton must be between 0 and 255, not 256`.
pub fn octet() -> Named<u8> {
    named(|name, text| {
        let v: u64 = parse_text(name, text)?;
        u8::try_from(v).map_err(|_| format!("{name} must be between 0 and 255, not {text}"))
    })
}

/// A duration (`3`, `500ms`, `3s`, `2m`).
pub fn duration() -> Named<Duration> {
    named(|name, text| parse_duration(text).map_err(|e| format!("{name}: {e}")))
}

/// A duration that is not zero.
pub fn nonzero_duration() -> Named<Duration> {
    named(|name, text| {
        let d = parse_duration(text).map_err(|e| format!("{name}: {e}"))?;
        if d.is_zero() {
            Err(format!("{name} must be more than 0"))
        } else {
            Ok(d)
        }
    })
}

/// An inactivity mode: `any` or `messages`.
pub fn inactivity() -> Named<Inactivity> {
    named(|name, text| match text {
        "any" => Ok(Inactivity::AnyPdu),
        "messages" => Ok(Inactivity::Messages),
        other => Err(format!("{name} must be any or messages, not {other:?}")),
    })
}

/// A C-octet string field of at most `max` octets (the NUL aside).
pub fn c_octets(max: usize) -> Named<String> {
    named(move |name, text| {
        if text.len() > max {
            Err(format!(
                "{name} {text:?} is longer than the {max} octets SMPP allows"
            ))
        } else if text.contains('\0') {
            Err(format!("{name} cannot contain a NUL character"))
        } else {
            Ok(text.to_string())
        }
    })
}

/// A bind type: `tx`, `rx` or `trx` (or the long names), among `allowed`.
pub fn bind_type(allowed: &'static [BindType]) -> Named<BindType> {
    named(move |name, text| {
        let t = match text.to_ascii_lowercase().as_str() {
            "tx" | "transmitter" => BindType::Transmitter,
            "rx" | "receiver" => BindType::Receiver,
            "trx" | "transceiver" => BindType::Transceiver,
            _ => return Err(format!("unknown bind type {text:?} for {name}")),
        };
        if allowed.contains(&t) {
            Ok(t)
        } else {
            let names: Vec<&str> = allowed
                .iter()
                .map(|b| match b {
                    BindType::Transmitter => "tx",
                    BindType::Receiver => "rx",
                    BindType::Transceiver => "trx",
                })
                .collect();
            Err(format!(
                "{name}: bind type {text:?} not possible here (use {})",
                names.join(" or ")
            ))
        }
    })
}

/// Request command names, comma-separated, case-insensitive (`submit_sm,enquire_link`):
/// those of SMPP 3.4 and the SMPP 5.0 broadcast requests.
pub fn commands() -> Named<CommandSet> {
    named(|name, text| {
        let mut set = CommandSet::EMPTY;
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let id = CommandId::ALL
                .iter()
                .chain(CommandId::SMPP_5_0)
                .copied()
                .filter(|id| !id.is_response())
                .find(|id| id.name().is_some_and(|n| n.eq_ignore_ascii_case(word)))
                .ok_or_else(|| {
                    format!(
                        "{name}: unknown command {word:?} (request names such as \
                         submit_sm, deliver_sm, data_sm, submit_multi, query_sm, \
                         cancel_sm, replace_sm, enquire_link, broadcast_sm, \
                         query_broadcast_sm, cancel_broadcast_sm)"
                    )
                })?;
            set.insert(id);
        }
        Ok(set)
    })
}
