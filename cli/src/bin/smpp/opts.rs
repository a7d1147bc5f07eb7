//! Option parsing shared by the network subcommands: `--name VALUE` or `--name=VALUE`,
//! flags, positional arguments after the options or after `--`, and the connection options
//! every client subcommand takes.

use crate::link::{self, Incoming, Link};
use smpp_cli::duration::parse_duration;
use smpp_core::session::Inactivity;
use smpp_smol::{ClientConfig, Trace};
use std::ffi::OsString;
use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

/// The runtime crate whose client (or server) does the work (`--runtime`).
pub use smpp_cli::runtime::Runtime;

/// The largest `--window` (requests in flight per session) the tool accepts.
pub const MAX_WINDOW: usize = 100_000;

/// A usage error: the message for [`crate::cli::usage_error`].
#[derive(Debug)]
pub struct UsageError(pub String);

/// One command-line item.
pub enum Item {
    /// `--name` (or `-h`), without its value.
    Opt(String),
    /// A positional argument.
    Positional(String),
}

/// Walks the arguments of one subcommand.
pub struct Parser {
    args: std::vec::IntoIter<String>,
    /// The option being parsed and the value given inline (`--name=value`).
    current: Option<(String, Option<String>)>,
    options_done: bool,
}

impl Parser {
    /// A parser over the arguments that follow the subcommand's name.
    pub fn new(args: impl Iterator<Item = OsString>) -> Parser {
        let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
        Parser {
            args: args.into_iter(),
            current: None,
            options_done: false,
        }
    }

    /// The next item; fails when the previous option had an inline value it does not take.
    pub fn next_item(&mut self) -> Result<Option<Item>, UsageError> {
        if let Some((name, Some(_))) = self.current.take() {
            return Err(UsageError(format!("option {name} takes no value")));
        }
        let Some(arg) = self.args.next() else {
            return Ok(None);
        };
        if self.options_done || arg == "-" || !arg.starts_with('-') {
            return Ok(Some(Item::Positional(arg)));
        }
        if arg == "--" {
            self.options_done = true;
            return self.next_item();
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg, None),
        };
        self.current = Some((name.clone(), inline));
        Ok(Some(Item::Opt(name)))
    }

    /// The value of the current option (inline, or the next argument).
    pub fn value(&mut self) -> Result<String, UsageError> {
        let (name, inline) = self
            .current
            .take()
            .ok_or_else(|| UsageError("internal: no option to take a value for".into()))?;
        match inline {
            Some(v) => Ok(v),
            None => self
                .args
                .next()
                .ok_or_else(|| UsageError(format!("option {name} needs a value"))),
        }
    }

    /// The value of the current option, parsed.
    pub fn parse<T: FromStr>(&mut self) -> Result<T, UsageError>
    where
        T::Err: Display,
    {
        Ok(self.parse_text()?.0)
    }

    /// The value of the current option, parsed, with its text.
    pub fn parse_text<T: FromStr>(&mut self) -> Result<(T, String), UsageError>
    where
        T::Err: Display,
    {
        let name = self.current_name();
        let v = self.value()?;
        match v.parse() {
            Ok(t) => Ok((t, v)),
            Err(e) => Err(UsageError(format!("invalid value {v:?} for {name}: {e}"))),
        }
    }

    /// The value of the current option, parsed, and within `range` (NaN never is).
    pub fn parse_in<T>(&mut self, range: RangeInclusive<T>) -> Result<T, UsageError>
    where
        T: FromStr + PartialOrd + Display,
        T::Err: Display,
    {
        let name = self.current_name();
        let (v, text): (T, String) = self.parse_text()?;
        if range.contains(&v) {
            Ok(v)
        } else {
            Err(UsageError(format!(
                "{name} must be between {} and {}, not {text}",
                range.start(),
                range.end()
            )))
        }
    }

    /// The value of the current option as a duration (`3`, `500ms`, `3s`, `2m`).
    pub fn duration(&mut self) -> Result<Duration, UsageError> {
        let name = self.current_name();
        let v = self.value()?;
        parse_duration(&v).map_err(|e| UsageError(format!("{name}: {e}")))
    }

    /// The value of the current option as an inactivity mode: `any` or `messages`.
    pub fn inactivity(&mut self) -> Result<Inactivity, UsageError> {
        let name = self.current_name();
        match self.value()?.as_str() {
            "any" => Ok(Inactivity::AnyPdu),
            "messages" => Ok(Inactivity::Messages),
            other => Err(UsageError(format!(
                "{name} must be any or messages, not {other:?}"
            ))),
        }
    }

    /// The value of the current option as a duration that is not zero.
    pub fn nonzero_duration(&mut self) -> Result<Duration, UsageError> {
        let name = self.current_name();
        let d = self.duration()?;
        if d.is_zero() {
            Err(UsageError(format!("{name} must be more than 0")))
        } else {
            Ok(d)
        }
    }

    fn current_name(&self) -> String {
        self.current
            .as_ref()
            .map(|(n, _)| n.clone())
            .unwrap_or_default()
    }
}

/// An unknown option.
pub fn unknown(name: &str) -> UsageError {
    UsageError(format!("unknown option {name:?}"))
}

/// Where and as whom a client binds.
pub struct Connection {
    /// `--connect`.
    pub connect: String,
    /// `--system-id`.
    pub system_id: String,
    /// `--password`.
    pub password: String,
    /// `--trace`.
    pub trace: bool,
    /// `--tls`.
    pub tls: bool,
    /// `--ca FILE`.
    pub ca: Option<String>,
    /// `--pin-sha256 HEX` (repeatable).
    pub pin_sha256: Vec<smpp_smol::Sha256Pin>,
    /// `--insecure`.
    pub insecure: bool,
    /// `--server-name NAME`.
    pub server_name: Option<String>,
    /// `--runtime smol|blocking|tokio`.
    pub runtime: Runtime,
    /// `--throttle-retries N`: times the session sends a throttled request again.
    pub throttle_retries: u32,
    /// `--inactivity-timeout D` (`None`: never).
    pub inactivity_timeout: Option<Duration>,
    /// `--inactivity-counts any|messages`.
    pub inactivity: Inactivity,
}

impl Default for Connection {
    fn default() -> Self {
        Connection {
            connect: "127.0.0.1:2775".into(),
            system_id: "smppclient1".into(),
            password: "password".into(),
            trace: false,
            tls: false,
            ca: None,
            pin_sha256: Vec::new(),
            insecure: false,
            server_name: None,
            throttle_retries: DEFAULT_THROTTLE_RETRIES,
            inactivity_timeout: None,
            inactivity: Inactivity::AnyPdu,
            runtime: Runtime::Smol,
        }
    }
}

/// The help lines for [`Connection`]'s options.
pub const CONNECTION_HELP: &str = concat!(
    "  --connect ADDR        the SMSC (default 127.0.0.1:2775)\n",
    "  --system-id ID        account (default smppclient1)\n",
    "  --password PW         password (default password)\n",
    "  --trace               print every PDU (decoded summary and hex, password\n",
    "                        redacted) to standard error\n",
    "  --tls                 connect over TLS (SMPPS), verifying the SMSC's\n",
    "                        certificate against the system's roots\n",
    "  --ca FILE             trust the certificate(s) of this PEM file instead:\n",
    "                        an SMSC presenting one of them exactly is accepted\n",
    "                        (a self-signed certificate, pinned; its name is\n",
    "                        not checked), any other must be issued by one of\n",
    "                        them for the expected name (implies --tls)\n",
    "  --pin-sha256 HEX      accept the SMSC whose certificate has this SHA-256\n",
    "                        (of its DER; 64 hex digits, ':' between pairs\n",
    "                        allowed; repeatable). Alone: nothing else is\n",
    "                        accepted; with --ca: either (implies --tls)\n",
    "  --server-name NAME    the name the certificate must carry (default: the\n",
    "                        host of --connect; implies --tls)\n",
    "  --insecure            accept any certificate (test rigs only: no\n",
    "                        protection against impersonation; implies --tls)\n",
    "  --runtime RT          the client library: smol (smpp-smol, async; the\n",
    "                        default), blocking (smpp-blocking, threads) or\n",
    "                        tokio (smpp-tokio, on a 2-worker tokio runtime)\n",
    "  --throttle-retries N  send a request answered ESME_RTHROTTLED or\n",
    "                        ESME_RMSGQFUL again up to N times, after one pause\n",
    "                        per throttling episode (default 10; 0: report the\n",
    "                        first throttle answer)\n",
    "  --inactivity-timeout D  unbind and close after D without activity\n",
    "                        (default: never)\n",
    "  --inactivity-counts any|messages  what is activity: any PDU received\n",
    "                        (default) or only messages (submit_sm,\n",
    "                        deliver_sm, data_sm, submit_multi) either way\n",
);

/// The tool's default for `--throttle-retries` (the library's is 0).
pub const DEFAULT_THROTTLE_RETRIES: u32 = 10;

impl Connection {
    /// Takes `name` when it is a connection option; false when it is not one.
    pub fn take(&mut self, name: &str, p: &mut Parser) -> Result<bool, UsageError> {
        match name {
            "--connect" => self.connect = p.value()?,
            "--system-id" => self.system_id = p.value()?,
            "--password" => self.password = p.value()?,
            "--trace" => self.trace = true,
            "--runtime" => self.runtime = p.parse()?,
            "--tls" => self.tls = true,
            "--ca" => {
                self.ca = Some(p.value()?);
                self.tls = true;
            }
            "--pin-sha256" => {
                self.pin_sha256.push(p.parse()?);
                self.tls = true;
            }
            "--insecure" => {
                self.insecure = true;
                self.tls = true;
            }
            "--server-name" => {
                self.server_name = Some(p.value()?);
                self.tls = true;
            }
            "--throttle-retries" => self.throttle_retries = p.parse_in(0..=1_000)?,
            "--inactivity-timeout" => {
                let d = p.duration()?;
                self.inactivity_timeout = (!d.is_zero()).then_some(d);
            }
            "--inactivity-counts" => self.inactivity = p.inactivity()?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A client configuration for these options (defaults otherwise).
    pub fn client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new(&self.system_id, &self.password);
        if self.trace {
            c.trace = stderr_trace();
        }
        c.session.throttle_retries = self.throttle_retries;
        c.session.inactivity_timeout = self.inactivity_timeout.map(Into::into);
        c.session.inactivity = self.inactivity;
        c
    }
}

impl Connection {
    /// Connects and binds, over TLS when asked, with the client of `--runtime`.
    pub async fn connect(&self, config: ClientConfig) -> Result<(Link, Incoming), link::Error> {
        Link::connect(self, config).await
    }
}

/// A trace that prints every PDU on standard error.
pub fn stderr_trace() -> Trace {
    Trace::callback(|ev| eprintln!("trace: {ev}"))
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

/// Parses a bind type: `tx`, `rx` or `trx` (or the long names), among `allowed`.
pub fn bind_type(
    text: &str,
    allowed: &[smpp_core::session::BindType],
) -> Result<smpp_core::session::BindType, UsageError> {
    use smpp_core::session::BindType;
    let t = match text.to_ascii_lowercase().as_str() {
        "tx" | "transmitter" => BindType::Transmitter,
        "rx" | "receiver" => BindType::Receiver,
        "trx" | "transceiver" => BindType::Transceiver,
        _ => return Err(UsageError(format!("unknown bind type {text:?}"))),
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
        Err(UsageError(format!(
            "bind type {text:?} not possible here (use {})",
            names.join(" or ")
        )))
    }
}
