//! An SMSC simulator on any runtime's server ([`SimConfig::runtime`]: `smpp_smol`,
//! `smpp_blocking` or `smpp_tokio`, behind one [`SimServer`]): the engine behind
//! `smpp smsc` and `smpp demo`.
//!
//! - Binds are checked against a list of accounts (wrong credentials: `ESME_RBINDFAIL`).
//! - `submit_sm`, `data_sm` and `submit_multi` are answered with unique message ids (a hex
//!   counter), or `ESME_RSUBMITFAIL` for a deterministic pseudo-random fraction
//!   ([`SimConfig::reject_rate`]), or `ESME_RTHROTTLED` beyond a per-bind rate
//!   ([`SimConfig::throttle_rate`]). Other requests get `generic_nack` `ESME_RINVCMDID`.
//! - When `registered_delivery` asks for a receipt, a delivery receipt `deliver_sm` follows
//!   after [`SimConfig::receipt_delay`]: `esm_class` 0x04, the standard text
//!   `id:… sub:001 dlvrd:001 submit date:… done date:… stat:DELIVRD err:000 text:…` (IA5,
//!   `data_coding` 1, when it is ASCII; else UCS2), and the TLVs `receipted_message_id` and
//!   `message_state` (2, DELIVERED). Source and destination are the message's, swapped. It is
//!   routed with [`SimServer::deliver`]: round robin over the account's receiver-capable binds,
//!   stored while none is bound. Each part of a long message gets its own receipt.
//! - [`SimConfig::mo_on_bind`]: mobile-originated messages sent to every new
//!   receiver-capable bind, from 447700900999 to the bind's `address_range` (or `12345`).
//! - [`SimConfig::echo`]: a message to that number comes back to the account as an MO from
//!   that number, once all its parts arrived (long messages are reassembled and split again).
//! - [`SimConfig::jsonl`]: a journal with one JSON object per line for every bind (accepted
//!   or rejected), unbind or close, submitted message (decoded text; every part of a long
//!   message), long message once reassembled (UDH or SAR), receipt and MO sent. Each object
//!   starts with `time` (UTC, ISO 8601) and `event`.
//!
//! ```no_run
//! use smpp_cli::sim::{SimConfig, Simulator};
//!
//! smol::block_on(async {
//!     let sim = Simulator::start(SimConfig {
//!         listen: "127.0.0.1:0".into(),
//!         ..SimConfig::default()
//!     })
//!     .await
//!     .unwrap();
//!     println!("listening on {}", sim.local_addr());
//!     sim.shutdown(std::time::Duration::from_secs(5)).await;
//! });
//! ```

use crate::message::{address, address_text, decode_text, prepare, MessageView, Split};
use crate::message::{Assembler, TextEncoding};
pub use crate::runtime::Runtime;
use crate::trace::StateTrace;
use serde_json::{json, Map, Value};
use smol::channel::{Receiver, Sender};
use smol::Task;
use smpp_core::message::{
    ucs2, MessageState, PushOutcome, ReassemblyEvent, ReceiptDate, ReceiptFields,
};
use smpp_core::pdu::{
    constant_time_eq, Address, Body, DataCoding, DeliverSm, DestAddress, EsmClass, Npi,
    RegisteredDelivery, Tlv, TlvTag, Tlvs, Ton,
};
use smpp_core::server::{
    BindId, BindRequest, DeliveryOutcome, Reply, RequestContext, ServerConfig, ServerEvent,
    StoreFailure,
};
use smpp_core::session::{CloseReason, CommandSet, SessionConfig, SmppVersion};
use smpp_core::trace::Trace;
use smpp_core::{CommandId, CommandStatus, Frame};
use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::Duration;
use time::macros::format_description;
use time::OffsetDateTime;

pub mod broadcast;
mod handle;
mod metrics;
mod observe;
mod server;

pub use handle::{
    receipt_state_name, ControlError, MoRequest, MoSent, MoTarget, ReceiptSent, SimHandle,
    MAX_ADDRESS_LEN,
};
pub use metrics::SimMetrics;
pub use observe::{
    DeliveryKind, MessageQuery, PendingDelivery, ReceiptState, SessionStatus, SubmittedMessage,
};
use observe::{Observe, Pending};
pub use server::{Error as ServerError, SimDelivery, SimServer, SimSession, TlsPem};

/// The source of MO messages sent on bind.
pub const MO_SOURCE: &str = "447700900999";
/// The destination of MO messages sent on bind when the bind has no `address_range`.
pub const MO_DEFAULT_DESTINATION: &str = "12345";

/// The requests the simulator serves by default ([`SimConfig::supported`]): `submit_sm`,
/// `data_sm` and `submit_multi` (with binds, `unbind` and `enquire_link`, always served).
/// Other message commands (`query_sm`, `replace_sm`, `cancel_sm`, ...) are answered
/// `generic_nack` `ESME_RINVCMDID`.
pub const SIM_COMMANDS: CommandSet = CommandSet::from_slice(&[
    CommandId::SubmitSm,
    CommandId::DataSm,
    CommandId::SubmitMulti,
]);

/// An account the simulator accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// `system_id`.
    pub system_id: String,
    /// `password`.
    pub password: String,
}

impl Account {
    /// An account.
    pub fn new(system_id: &str, password: &str) -> Account {
        Account {
            system_id: system_id.to_string(),
            password: password.to_string(),
        }
    }

    /// Parses `SYSTEM_ID:PASSWORD` (the password may contain `:`).
    pub fn parse(text: &str) -> Result<Account, String> {
        match text.split_once(':') {
            Some((id, pw)) if !id.is_empty() && id.len() <= 15 && pw.len() <= 8 => {
                Ok(Account::new(id, pw))
            }
            _ => Err(format!(
                "invalid account {text:?}: expected SYSTEM_ID:PASSWORD (system_id 1..15 \
                 characters, password at most 8)"
            )),
        }
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Account({}:***)", self.system_id)
    }
}

/// How the simulator runs.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The runtime whose server does the work (default `smol`).
    pub runtime: Runtime,
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: String,
    /// Accepted accounts.
    pub accounts: Vec<Account>,
    /// `system_id` sent in bind responses.
    pub system_id: String,
    /// Delay before a delivery receipt is sent (zero: at once).
    pub receipt_delay: Duration,
    /// Texts sent as MO messages to every new receiver-capable bind.
    pub mo_on_bind: Vec<String>,
    /// A number whose messages come back to the sender's account as MO messages.
    pub echo: Option<String>,
    /// Fraction (0..=1) of submissions answered `ESME_RSUBMITFAIL`.
    pub reject_rate: f64,
    /// Most submissions per second and bind; beyond, `ESME_RTHROTTLED`.
    pub throttle_rate: Option<u32>,
    /// Time allowed from connect to bind (`None`: the library's 30 s).
    pub bind_timeout: Option<Duration>,
    /// Close a session after this long without input (`None`: never).
    pub inactivity_timeout: Option<Duration>,
    /// What counts as activity for `inactivity_timeout` (any PDU received, or messages).
    pub inactivity: smpp_core::session::Inactivity,
    /// The session window (deliveries outstanding per bind) and peer window (requests of a
    /// bind waiting for an answer): keep it at least the clients' windows.
    pub window: usize,
    /// How long the simulator waits for a response to its own requests (receipts, MO)
    /// before the delivery is retried (`None`: the library's 60 s).
    pub response_timeout: Option<Duration>,
    /// ESMEs to connect out to with `outbind` (address, account), retried with back-off
    /// while they are not listening.
    pub outbinds: Vec<(SocketAddr, String)>,
    /// PDU tracing.
    pub trace: Trace,
    /// State tracing: when set, the end of every bound or rejected connection is reported
    /// to it as a change to `CLOSED` with its reason (give it the same [`StateTrace`] whose
    /// [`StateTrace::trace`] is `trace`).
    pub states: Option<StateTrace>,
    /// Where to write the JSON-lines journal (created or truncated).
    pub jsonl: Option<PathBuf>,
    /// A TLS listener beside the plain one (same accounts, routing and store).
    pub tls: Option<TlsListen>,
    /// The requests served (`None`: [`SIM_COMMANDS`]); a message command not in the set is
    /// answered `generic_nack` `ESME_RINVCMDID` by the session
    /// ([`SessionConfig::supported_commands`]).
    pub supported: Option<CommandSet>,
    /// The `sc_interface_version` TLV of bind responses (default `Some(0x34)`; `None`: bind
    /// responses carry no TLV). With [`SimConfig::version`] 5.0 the session names the
    /// negotiated version instead (0x50 to a 5.0 bind, 0x34 to a 3.4 one).
    pub sc_interface_version: Option<u8>,
    /// The highest SMPP version served (default 3.4). With 5.0, sessions bound with
    /// `interface_version` 0x50 also accept `broadcast_sm`, `query_broadcast_sm` and
    /// `cancel_broadcast_sm` (added to the default [`SimConfig::supported`] set; the
    /// simulator keeps each broadcast's state, see [`broadcast`]), and every answer on them
    /// carries `congestion_state` from the server's load.
    pub version: SmppVersion,
    /// Send `enquire_link` on a session after this long without receiving anything
    /// (default 60 s, the library's SMSC default; `None`: never).
    pub enquire_link: Option<Duration>,
    /// Keep what the control plane ([`crate::control`]) shows: the metrics (counted from a
    /// trace callback in front of [`SimConfig::trace`]), the deliveries not ended, when each
    /// session bound, and the last [`SimConfig::message_log`] submitted messages. Off by
    /// default (`smpp smsc --http` turns it on).
    pub observe: bool,
    /// How many submitted messages (parts) the ring of [`SimConfig::observe`] keeps
    /// (default 1000; the oldest go first).
    pub message_log: usize,
    /// Hold the delivery receipts that submissions ask for instead of sending them: only
    /// the receipts the control plane forces ([`SimHandle::send_receipt`]) are sent. Needs
    /// [`SimConfig::observe`] to find the messages again.
    pub hold_receipts: bool,
    /// Where pending deliveries (receipts, MO) are kept ([`smpp_store::open`]): the file
    /// path of the embedded database, or a `redis://` URL (shared by the nodes on that
    /// Redis). `None` (the default): in memory only, lost on exit. While the store fails,
    /// submissions that ask for a receipt are answered `ESME_RSYSERR` (`ESME_RMSGQFUL`
    /// when it is full) instead of accepted with a receipt that could not be kept.
    pub store: Option<String>,
}

/// A TLS (SMPPS) listener of the simulator.
#[derive(Clone, Debug)]
pub struct TlsListen {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: String,
    /// The certificate chain and key presented (PEM, made into the runtime's
    /// `TlsServerConfig` at start).
    pub pem: TlsPem,
}

impl Default for SimConfig {
    /// `smol`, `127.0.0.1:2775`, account `smppclient1:password`, system_id `smpp-sim`,
    /// receipts at once, inactivity timeout 120 s, window 512, the requests of
    /// [`SIM_COMMANDS`], `sc_interface_version` 0x34, `enquire_link` after 60 s of silence.
    fn default() -> Self {
        SimConfig {
            runtime: Runtime::Smol,
            listen: "127.0.0.1:2775".into(),
            accounts: vec![Account::new("smppclient1", "password")],
            system_id: "smpp-sim".into(),
            receipt_delay: Duration::ZERO,
            mo_on_bind: Vec::new(),
            echo: None,
            reject_rate: 0.0,
            throttle_rate: None,
            bind_timeout: None,
            inactivity_timeout: Some(Duration::from_secs(120)),
            inactivity: smpp_core::session::Inactivity::AnyPdu,
            window: 512,
            response_timeout: None,
            outbinds: Vec::new(),
            trace: Trace::Off,
            states: None,
            jsonl: None,
            tls: None,
            supported: None,
            sc_interface_version: Some(0x34),
            version: SmppVersion::V3_4,
            enquire_link: Some(Duration::from_secs(60)),
            observe: false,
            message_log: 1000,
            hold_receipts: false,
            store: None,
        }
    }
}

/// Why the simulator did not start.
#[derive(Debug)]
pub enum SimError {
    /// The journal file could not be created.
    Journal(PathBuf, std::io::Error),
    /// The server did not start (address in use, ...).
    Server(ServerError),
    /// The delivery store could not be opened.
    Store(smpp_store::OpenError),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Journal(p, e) => write!(f, "cannot create {}: {e}", p.display()),
            SimError::Server(e) => write!(f, "cannot listen: {e}"),
            SimError::Store(e) => write!(f, "cannot open the {e}"),
        }
    }
}

impl std::error::Error for SimError {}

/// What the simulator did so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Submissions answered `ESME_ROK`.
    pub accepted: u64,
    /// Submissions answered `ESME_RSUBMITFAIL`.
    pub rejected: u64,
    /// Submissions answered `ESME_RTHROTTLED`.
    pub throttled: u64,
    /// Delivery receipts delivered or stored.
    pub receipts: u64,
    /// MO messages (parts) delivered or stored.
    pub mo: u64,
    /// Deliveries the delivery store ([`SimConfig::store`]) confirmed it keeps.
    pub stored: u64,
}

#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    rejected: AtomicU64,
    throttled: AtomicU64,
    receipts: AtomicU64,
    mo: AtomicU64,
    stored: AtomicU64,
}

impl Counters {
    /// The counts now.
    fn snapshot(&self) -> SimStats {
        SimStats {
            accepted: self.accepted.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            receipts: self.receipts.load(Ordering::Relaxed),
            mo: self.mo.load(Ordering::Relaxed),
            stored: self.stored.load(Ordering::Relaxed),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What another node needs to build a message's receipt ([`Shared::directory`]), as JSON.
pub(crate) struct SharedMessage {
    pub(crate) account: String,
    pub(crate) source: OwnedAddress,
    pub(crate) destinations: Vec<OwnedAddress>,
    pub(crate) submitted: ReceiptDate,
    /// The first 20 characters, as receipts carry them.
    pub(crate) text: String,
}

/// [`SharedMessage`] on the wire: addresses as `[ton, npi, "digits"]`, the submit time
/// as receipt text (`YYMMDDhhmm`).
#[derive(serde::Serialize, serde::Deserialize)]
struct SharedRecord {
    account: String,
    source: (u8, u8, String),
    destinations: Vec<(u8, u8, String)>,
    submitted: String,
    text: String,
}

impl SharedMessage {
    fn encode(&self) -> Vec<u8> {
        let address = |a: &OwnedAddress| (a.ton, a.npi, a.text());
        let record = SharedRecord {
            account: self.account.clone(),
            source: address(&self.source),
            destinations: self.destinations.iter().map(address).collect(),
            submitted: self.submitted.to_string(),
            text: self.text.clone(),
        };
        serde_json::to_vec(&record).unwrap_or_default()
    }

    /// `None` for a record that is not one (another version, or damaged).
    pub(crate) fn decode(b: &[u8]) -> Option<SharedMessage> {
        let r: SharedRecord = serde_json::from_slice(b).ok()?;
        let address = |(ton, npi, addr): (u8, u8, String)| OwnedAddress {
            ton,
            npi,
            addr: addr.into_bytes(),
        };
        Some(SharedMessage {
            account: r.account,
            source: address(r.source),
            destinations: r.destinations.into_iter().map(address).collect(),
            submitted: ReceiptDate::parse(&r.submitted).ok()?,
            text: r.text,
        })
    }
}

/// An address that owns its octets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct OwnedAddress {
    ton: u8,
    npi: u8,
    addr: Vec<u8>,
}

impl OwnedAddress {
    fn from(a: &Address<'_>) -> OwnedAddress {
        OwnedAddress {
            ton: a.ton.0,
            npi: a.npi.0,
            addr: a.addr.to_vec(),
        }
    }

    fn as_address(&self) -> Address<'_> {
        Address::new(Ton(self.ton), Npi(self.npi), &self.addr)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.addr).into_owned()
    }
}

/// Deferred work: sent from the dispatcher task.
enum Job {
    Receipt {
        account: String,
        message_id: String,
        /// The message's position in the control plane's ring (with `observe`).
        seq: Option<u64>,
        /// The message's source and destination (swapped in the receipt).
        source: OwnedAddress,
        destination: OwnedAddress,
        submitted: ReceiptDate,
        text: String,
        /// The receipt's `stat:` and `err:`.
        stat: MessageState,
        err: u16,
    },
    Echo {
        account: String,
        /// The echo number (the MO's source).
        from: OwnedAddress,
        /// The MT's source (the MO's destination).
        to: OwnedAddress,
        text: String,
    },
}

/// The journal: lines go to a writer thread.
struct Journal {
    tx: Mutex<mpsc::Sender<Option<String>>>,
}

impl Journal {
    fn start(path: &PathBuf) -> Result<(Journal, std::thread::JoinHandle<()>), SimError> {
        let file = std::fs::File::create(path).map_err(|e| SimError::Journal(path.clone(), e))?;
        let (tx, rx) = mpsc::channel::<Option<String>>();
        let thread = std::thread::Builder::new()
            .name("smpp-sim-journal".into())
            .spawn(move || {
                let mut out = std::io::BufWriter::new(file);
                'outer: while let Ok(first) = rx.recv() {
                    let mut next = first;
                    loop {
                        match next {
                            Some(line) => {
                                let _ = out.write_all(line.as_bytes());
                                let _ = out.write_all(b"\n");
                            }
                            None => break 'outer,
                        }
                        match rx.try_recv() {
                            Ok(n) => next = n,
                            Err(_) => break,
                        }
                    }
                    let _ = out.flush();
                }
                let _ = out.flush();
            })
            .map_err(|e| SimError::Journal(path.clone(), e))?;
        Ok((Journal { tx: Mutex::new(tx) }, thread))
    }

    /// One line: `time`, `event`, then `fields` (an object) in their order.
    fn write(&self, event: &str, fields: Value) {
        let mut o = Map::new();
        o.insert("time".into(), utc_timestamp().into());
        o.insert("event".into(), event.into());
        if let Value::Object(fields) = fields {
            o.extend(fields);
        }
        let _ = lock(&self.tx).send(Some(crate::json::to_string(&o)));
    }

    fn close(&self) {
        let _ = lock(&self.tx).send(None);
    }
}

struct Shared {
    accounts: Vec<Account>,
    receipt_delay: Duration,
    mo_on_bind: Vec<String>,
    echo: Option<Vec<u8>>,
    reject_rate: f64,
    throttle_rate: Option<u32>,
    epoch: std::time::Instant,
    next_id: AtomicU64,
    next_ref: AtomicU64,
    submissions: AtomicU64,
    jobs: Sender<Job>,
    journal: Option<Journal>,
    throttle: Mutex<HashMap<BindId, (u64, u32)>>,
    assemblers: Mutex<HashMap<String, Assembler>>,
    /// `address_range` of accepted binds by peer, until their `Bound` event is seen.
    ranges: Mutex<HashMap<SocketAddr, String>>,
    /// The account of each bound connection, for the journal's close events.
    bound: Mutex<HashMap<BindId, String>>,
    /// With state tracing: the peer of each bound connection, and where to report closes.
    states: Option<(StateTrace, Mutex<HashMap<BindId, SocketAddr>>)>,
    counters: Counters,
    /// The control plane's state ([`SimConfig::observe`]).
    observe: Option<Arc<Observe>>,
    hold_receipts: bool,
    window: usize,
    /// SMPP 5.0 broadcasts by message id.
    broadcasts: Mutex<broadcast::Broadcasts>,
    /// With a delivery store: whether it works (submissions that need it are refused
    /// while it fails).
    store_health: std::sync::OnceLock<smpp_store::StoreHealth>,
    /// With a Redis store and the control plane: submitted messages' metadata shared with
    /// the other nodes, so that a receipt forced on any node can be built.
    directory: std::sync::OnceLock<smpp_store::directory::MessageDirectory>,
}

/// A running simulator. Dropping it stops it in the background; [`Simulator::shutdown`]
/// waits for the sessions to unbind.
pub struct Simulator {
    server: SimServer,
    shared: Arc<Shared>,
    /// A second handle on the events channel, to handle what is left at shutdown.
    events: Receiver<ServerEvent>,
    tasks: Vec<Task<()>>,
    journal_thread: Option<std::thread::JoinHandle<()>>,
    tls_addr: Option<SocketAddr>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("runtime", &self.server.runtime())
            .field("local_addr", &self.local_addr())
            .finish()
    }
}

impl Simulator {
    /// Starts listening and serving with the server of [`SimConfig::runtime`] (the
    /// simulator's own work runs on the smol executor, `smol::spawn`).
    pub async fn start(config: SimConfig) -> Result<Simulator, SimError> {
        let (journal, journal_thread) = match &config.jsonl {
            Some(path) => {
                let (j, t) = Journal::start(path)?;
                (Some(j), Some(t))
            }
            None => (None, None),
        };
        let (jobs_tx, jobs_rx) = smol::channel::unbounded();
        let seed = fastrand::u64(..);
        let shared = Arc::new(Shared {
            accounts: config.accounts.clone(),
            receipt_delay: config.receipt_delay,
            mo_on_bind: config.mo_on_bind.clone(),
            echo: config
                .echo
                .as_deref()
                .map(|n| n.strip_prefix('+').unwrap_or(n).as_bytes().to_vec()),
            reject_rate: config.reject_rate,
            throttle_rate: config.throttle_rate,
            epoch: std::time::Instant::now(),
            next_id: AtomicU64::new(1),
            next_ref: AtomicU64::new(seed & 0xFF),
            submissions: AtomicU64::new(0),
            jobs: jobs_tx,
            journal,
            throttle: Mutex::new(HashMap::new()),
            assemblers: Mutex::new(HashMap::new()),
            ranges: Mutex::new(HashMap::new()),
            bound: Mutex::new(HashMap::new()),
            states: config.states.clone().map(|t| (t, Mutex::default())),
            counters: Counters::default(),
            observe: config
                .observe
                .then(|| Arc::new(Observe::new(config.message_log))),
            hold_receipts: config.hold_receipts,
            window: config.window.max(1),
            broadcasts: Mutex::default(),
            store_health: std::sync::OnceLock::new(),
            directory: std::sync::OnceLock::new(),
        });

        let mut session = SessionConfig::smsc();
        session.window = config.window.max(1);
        session.peer_window = config.window.max(1);
        if let Some(d) = config.bind_timeout {
            session.bind_timeout = d.into();
        }
        session.inactivity_timeout = config.inactivity_timeout.map(Into::into);
        session.inactivity = config.inactivity;
        if let Some(d) = config.response_timeout {
            session.response_timeout = d.into();
        }
        session.max_version = config.version;
        session.supported_commands = Some(config.supported.unwrap_or(if config.version.is_5_0() {
            SIM_COMMANDS
                .with(CommandId::BroadcastSm)
                .with(CommandId::QueryBroadcastSm)
                .with(CommandId::CancelBroadcastSm)
        } else {
            SIM_COMMANDS
        }));
        session.enquire_link_interval = config.enquire_link.map(Into::into);
        let trace = match &shared.observe {
            // The metrics count every PDU from a callback in front of the trace asked for.
            Some(observe) => {
                let observe = observe.clone();
                let inner = config.trace.clone();
                Trace::callback(move |ev| {
                    observe.metrics.observe_pdu(ev.direction, ev.peer, ev.pdu);
                    match &inner {
                        Trace::Off => {}
                        Trace::Log => log::debug!(target: "smpp::trace", "{ev}"),
                        Trace::Callback(cb) => cb(ev),
                    }
                })
            }
            None => config.trace.clone(),
        };
        let server_config = ServerConfig {
            session,
            system_id: config.system_id.clone(),
            sc_interface_version: config.sc_interface_version,
            trace,
            ..ServerConfig::default()
        };

        let auth = {
            let shared = shared.clone();
            move |req: &BindRequest| shared.authenticate(req)
        };
        let handler = {
            let shared = shared.clone();
            move |ctx: &RequestContext, frame: &Frame| shared.handle(ctx, frame)
        };
        let store = match &config.store {
            Some(spec) => match smpp_store::open(spec) {
                Ok(s) => Some(s),
                Err(e) => {
                    close_journal(&shared, journal_thread);
                    return Err(SimError::Store(e));
                }
            },
            None => None,
        };
        if let (Some(spec), true) = (&config.store, config.observe) {
            match smpp_store::open_directory(spec) {
                Ok(Some(d)) => {
                    let _ = shared.directory.set(d);
                }
                Ok(None) => {}
                Err(e) => {
                    close_journal(&shared, journal_thread);
                    return Err(SimError::Store(e));
                }
            }
        }
        if let Some(s) = &store {
            // Message ids carry the store's node id: unique across restarts and nodes.
            let node = s.node_id() & 0xFF_FFFF;
            shared.next_id.store(node << 40 | 1, Ordering::Relaxed);
        }
        let bound = SimServer::bind(
            config.runtime,
            config.listen.as_str(),
            server_config,
            auth,
            handler,
        )
        .await;
        let server = match bound {
            Ok(s) => s,
            Err(e) => {
                close_journal(&shared, journal_thread);
                return Err(SimError::Server(e));
            }
        };

        if let Some(s) = store {
            match server.attach_store(s).await {
                Ok(health) => {
                    let _ = shared.store_health.set(health);
                }
                Err(e) => {
                    server.shutdown(Duration::ZERO).await;
                    close_journal(&shared, journal_thread);
                    return Err(SimError::Server(e));
                }
            }
        }

        let tls_addr = match &config.tls {
            Some(t) => match server.add_tls_listener(t.listen.as_str(), &t.pem).await {
                Ok(a) => Some(a),
                Err(e) => {
                    server.shutdown(Duration::ZERO).await;
                    close_journal(&shared, journal_thread);
                    return Err(SimError::Server(e));
                }
            },
            None => None,
        };

        let events = server.events();
        for (addr, account) in &config.outbinds {
            // The outbind PDU names this SMSC and carries the account's password, so the
            // ESME can check who is calling before it binds.
            let password = config
                .accounts
                .iter()
                .find(|a| &a.system_id == account)
                .map_or("", |a| a.password.as_str());
            server.outbind(*addr, &config.system_id, password);
        }
        let events_task = {
            let shared = shared.clone();
            let server = server.clone();
            let events = events.clone();
            smol::spawn(async move {
                while let Ok(ev) = events.recv().await {
                    shared.on_event(&server, ev);
                }
            })
        };
        let dispatcher = {
            let shared = shared.clone();
            let server = server.clone();
            smol::spawn(async move { dispatch(shared, server, jobs_rx).await })
        };
        Ok(Simulator {
            server,
            shared,
            events,
            tasks: vec![events_task, dispatcher],
            journal_thread,
            tls_addr,
        })
    }

    /// The address of the TLS listener, when there is one.
    pub fn tls_local_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// The address the simulator listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The runtime serving.
    pub fn runtime(&self) -> Runtime {
        self.server.runtime()
    }

    /// The underlying server (sessions, events, deliveries), of any runtime.
    pub fn server(&self) -> &SimServer {
        &self.server
    }

    /// A handle on the running simulator for its control plane (cheap to clone; usable
    /// from any thread).
    pub fn handle(&self) -> SimHandle {
        SimHandle {
            server: self.server.clone(),
            shared: self.shared.clone(),
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> SimStats {
        self.shared.counters.snapshot()
    }

    /// Stops accepting, unbinds every session (waiting up to `timeout`), stops the
    /// background tasks and closes the journal.
    pub async fn shutdown(mut self, timeout: Duration) {
        self.server.shutdown(timeout).await;
        for t in self.tasks.drain(..) {
            t.cancel().await;
        }
        // Every connection ended: its events are in the channel.
        while let Ok(ev) = self.events.try_recv() {
            self.shared.on_event(&self.server, ev);
        }
        if let Some(j) = &self.shared.journal {
            j.close();
        }
        if let Some(t) = self.journal_thread.take() {
            let _ = smol::unblock(move || t.join()).await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(j) = &self.shared.journal {
            j.close();
        }
    }
}

/// Closes the journal and waits for its thread (a start that failed).
fn close_journal(shared: &Shared, thread: Option<std::thread::JoinHandle<()>>) {
    if let Some(j) = &shared.journal {
        j.close();
    }
    if let Some(t) = thread {
        let _ = t.join();
    }
}

/// Runs each job on its own task (so a slow receiver never delays the others).
async fn dispatch(shared: Arc<Shared>, server: SimServer, jobs: Receiver<Job>) {
    while let Ok(job) = jobs.recv().await {
        let shared = shared.clone();
        let server = server.clone();
        smol::spawn(async move {
            if let Job::Receipt { .. } = job {
                if !shared.receipt_delay.is_zero() {
                    async_io::Timer::after(shared.receipt_delay).await;
                }
            }
            shared.run(&server, job).await;
        })
        .detach();
    }
}

/// The pseudo-random draw in `0..1` of submission `n`: the first value of a fastrand
/// generator seeded with `n`, so the same submissions are rejected on every run, and no
/// generator state is shared between the threads that answer them.
fn reject_draw(n: u64) -> f64 {
    fastrand::Rng::with_seed(n).f64()
}

/// What a submission is, for the journal.
fn command_name(id: CommandId) -> &'static str {
    id.name().unwrap_or("request")
}

fn status_name(s: CommandStatus) -> String {
    match s.name() {
        Some(n) => n.to_string(),
        None => format!("0x{:08X}", s.0),
    }
}

impl Shared {
    fn authenticate(&self, req: &BindRequest) -> Result<(), CommandStatus> {
        let ok = self.accounts.iter().any(|a| {
            a.system_id == req.system_id
                && constant_time_eq(a.password.as_bytes(), req.password.as_str().as_bytes())
        });
        if !ok {
            return Err(CommandStatus::ESME_RBINDFAIL);
        }
        lock(&self.ranges).insert(req.peer, req.address_range.clone());
        Ok(())
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Counts a submission of `bind`; true when over the rate.
    fn throttled(&self, bind: BindId, limit: u32) -> bool {
        let sec = self.now_ms() / 1000;
        let mut map = lock(&self.throttle);
        let entry = map.entry(bind).or_insert((sec, 0));
        if entry.0 != sec {
            *entry = (sec, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 > limit
    }

    fn rejects(&self) -> bool {
        if self.reject_rate <= 0.0 {
            return false;
        }
        if self.reject_rate >= 1.0 {
            return true;
        }
        let n = self.submissions.fetch_add(1, Ordering::Relaxed);
        reject_draw(n) < self.reject_rate
    }

    fn handle(&self, ctx: &RequestContext, frame: &Frame) -> Reply {
        let Ok(pdu) = frame.pdu() else {
            return Reply::error(CommandStatus::ESME_RSYSERR);
        };
        match pdu.body {
            Body::BroadcastSm(b) => {
                self.counters.accepted.fetch_add(1, Ordering::Relaxed);
                let n = self.next_id.fetch_add(1, Ordering::Relaxed);
                let mut buf = [0u8; 20];
                let message_id = format_id(n, &mut buf);
                lock(&self.broadcasts).accept(message_id, &b);
                return Reply::ok_message_id(message_id);
            }
            Body::QueryBroadcastSm(q) => return lock(&self.broadcasts).query(q.message_id),
            Body::CancelBroadcastSm(c) => return lock(&self.broadcasts).cancel(c.message_id),
            _ => {}
        }
        let Some(view) = MessageView::from_body(&pdu.body) else {
            return Reply::error(CommandStatus::ESME_RINVCMDID);
        };
        let store_failure = self
            .store_health
            .get()
            .and_then(|h| h.failure())
            .filter(|_| view.registered_delivery.wants_receipt(true));
        let status = if let Some(failure) = store_failure {
            // The receipt could not be kept: refused now rather than accepted and given
            // up later; the ESME retries it.
            self.counters.rejected.fetch_add(1, Ordering::Relaxed);
            match failure {
                StoreFailure::Full => CommandStatus::ESME_RMSGQFUL,
                StoreFailure::Unavailable => CommandStatus::ESME_RSYSERR,
            }
        } else if self
            .throttle_rate
            .is_some_and(|limit| self.throttled(ctx.bind_id, limit))
        {
            self.counters.throttled.fetch_add(1, Ordering::Relaxed);
            CommandStatus::ESME_RTHROTTLED
        } else if self.rejects() {
            self.counters.rejected.fetch_add(1, Ordering::Relaxed);
            CommandStatus::ESME_RSUBMITFAIL
        } else {
            CommandStatus::ESME_ROK
        };
        if !status.is_ok() {
            if let Some(j) = &self.journal {
                j.write("submit", self.submit_fields(ctx, &view, None, status));
            }
            return Reply::error(status);
        }
        self.counters.accepted.fetch_add(1, Ordering::Relaxed);
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut buf = [0u8; 20];
        let message_id = format_id(n, &mut buf);

        let wants_receipt = view.registered_delivery.wants_receipt(true);
        let echo = self
            .echo
            .as_deref()
            .is_some_and(|e| view.destination.addr == e);
        if self.journal.is_none() && self.observe.is_none() && !wants_receipt && !echo {
            return Reply::ok_message_id(message_id);
        }
        if let Some(j) = &self.journal {
            j.write(
                "submit",
                self.submit_fields(ctx, &view, Some(message_id), status),
            );
        }
        // With the control plane: the PDU's octets go to the ring (one copy; decoded when
        // read).
        let part = view.part_of().filter(|p| p.total > 1);
        let seq = self.observe.as_ref().map(|o| {
            let receipt = if !wants_receipt {
                ReceiptState::NotRequested
            } else if self.hold_receipts {
                ReceiptState::Held
            } else {
                ReceiptState::Scheduled
            };
            o.log(ctx.bind_id, n, frame.as_bytes(), part, receipt)
        });
        if let Some(d) = self.directory.get() {
            let record = SharedMessage {
                account: ctx.account.clone(),
                source: OwnedAddress::from(&view.source),
                destinations: destinations_of(&pdu.body, &view),
                submitted: receipt_date_now(),
                text: view.text().chars().take(20).collect(),
            };
            d.put(message_id, record.encode());
        }
        if wants_receipt && !self.hold_receipts {
            let submitted = receipt_date_now();
            let text: String = view.text().chars().take(20).collect();
            for destination in destinations_of(&pdu.body, &view) {
                let _ = self.jobs.try_send(Job::Receipt {
                    account: ctx.account.clone(),
                    message_id: message_id.to_string(),
                    seq,
                    source: OwnedAddress::from(&view.source),
                    destination,
                    submitted,
                    text: text.clone(),
                    stat: MessageState::Delivered,
                    err: 0,
                });
            }
        }
        // Long messages: reassembled for the journal and the echo.
        let whole = match part.and_then(|_| view.part_input()) {
            Some(part) => {
                let outcome = {
                    let mut map = lock(&self.assemblers);
                    let asm = map.entry(ctx.account.clone()).or_default();
                    let outcome = asm.push(part);
                    for ev in asm.events() {
                        if let (Some(j), ReassemblyEvent::Dropped { key, reason, .. }) =
                            (&self.journal, &ev)
                        {
                            j.write(
                                "message_dropped",
                                json!({"account": ctx.account.as_str(), "source": String::from_utf8_lossy(&key.source), "reference": key.reference, "reason": format!("{reason:?}")}),
                            );
                        }
                    }
                    outcome
                };
                match outcome {
                    PushOutcome::Complete(a) => {
                        let text = decode_text(view.data_coding, a.data());
                        if let (Some(o), Some(p)) = (&self.observe, view.part_of()) {
                            o.reassembled(ctx.bind_id, view.source.addr, p.reference, &text);
                        }
                        if let Some(j) = &self.journal {
                            let method = match view.part_of() {
                                Some(p) if p.udh => "udh",
                                _ => "sar",
                            };
                            j.write(
                                "message",
                                json!({"account": ctx.account.as_str(), "source": address_text(&view.source), "destination": address_text(&view.destination), "parts": a.part_count(), "method": method, "data_coding": view.data_coding, "text": text.as_str()}),
                            );
                        }
                        Some(text)
                    }
                    _ => None,
                }
            }
            None if echo => Some(view.text()),
            None => None,
        };
        if echo {
            if let Some(text) = whole {
                let _ = self.jobs.try_send(Job::Echo {
                    account: ctx.account.clone(),
                    from: OwnedAddress::from(&view.destination),
                    to: OwnedAddress::from(&view.source),
                    text,
                });
            }
        }
        Reply::ok_message_id(message_id)
    }

    fn submit_fields(
        &self,
        ctx: &RequestContext,
        view: &MessageView<'_>,
        message_id: Option<&str>,
        status: CommandStatus,
    ) -> Value {
        let mut o = json!({"command": command_name(view.command), "account": ctx.account.as_str(), "bind_id": ctx.bind_id.0, "status": status_name(status), "message_id": message_id, "source": address_text(&view.source), "destination": address_text(&view.destination), "esm_class": view.esm_class.0, "registered_delivery": view.registered_delivery.0, "data_coding": view.data_coding, "text": view.text()});
        if let Some(p) = view.part_of().filter(|p| p.total > 1) {
            let method = if p.udh { "udh" } else { "sar" };
            o["part"] =
                json!({"reference": p.reference, "seq": p.seq, "total": p.total, "method": method});
        }
        o
    }

    fn on_event(self: &Arc<Self>, server: &SimServer, ev: ServerEvent) {
        match ev {
            ServerEvent::Bound {
                bind_id,
                account,
                bind_type,
                peer,
            } => {
                let range = lock(&self.ranges).remove(&peer).unwrap_or_default();
                if let Some(j) = &self.journal {
                    j.write(
                        "bind",
                        json!({"bind_id": bind_id.0, "account": account.as_str(), "bind_type": bind_type.to_string(), "peer": peer.to_string(), "address_range": range.as_str()}),
                    );
                }
                if let Some(o) = &self.observe {
                    o.bound(bind_id, &account);
                    o.metrics.bound(&account, &bind_type.to_string());
                    lock(&o.binds).insert(
                        bind_id,
                        (std::time::SystemTime::now(), account.clone(), bind_type),
                    );
                }
                lock(&self.bound).insert(bind_id, account);
                if let Some((_, peers)) = &self.states {
                    lock(peers).insert(bind_id, peer);
                }
                if bind_type.can_receive() && !self.mo_on_bind.is_empty() {
                    let shared = self.clone();
                    let server = server.clone();
                    smol::spawn(async move {
                        shared.send_mo_on_bind(&server, bind_id, range).await;
                    })
                    .detach();
                }
            }
            ServerEvent::BindRejected {
                system_id,
                peer,
                status,
            } => {
                lock(&self.ranges).remove(&peer);
                if let Some(o) = &self.observe {
                    o.metrics.bind_failed(status);
                }
                if let Some((states, _)) = &self.states {
                    states.closed(Some(peer), format_args!("bind rejected: {status}"));
                }
                if let Some(j) = &self.journal {
                    j.write(
                        "bind_rejected",
                        json!({"system_id": system_id, "peer": peer.to_string(), "status": status_name(status)}),
                    );
                }
            }
            ServerEvent::Closed { bind_id, reason } => {
                lock(&self.throttle).remove(&bind_id);
                let account = lock(&self.bound).remove(&bind_id);
                if let Some(o) = &self.observe {
                    if let Some((_, account, bind_type)) = lock(&o.binds).remove(&bind_id) {
                        o.metrics.unbound(&account, &bind_type.to_string());
                    }
                }
                if let Some((states, peers)) = &self.states {
                    let peer = lock(peers).remove(&bind_id);
                    states.closed(peer, reason);
                }
                if let Some(j) = &self.journal {
                    let event = match reason {
                        CloseReason::Unbound | CloseReason::PeerUnbound => "unbind",
                        _ => "close",
                    };
                    j.write(
                        event,
                        json!({"bind_id": bind_id.0, "account": account, "reason": reason.to_string()}),
                    );
                }
            }
            ServerEvent::Stored {
                id,
                account,
                placement,
            } => {
                self.counters.stored.fetch_add(1, Ordering::Relaxed);
                if let Some(j) = &self.journal {
                    let placement = match placement {
                        smpp_core::server::Placement::Local => "local",
                        smpp_core::server::Placement::Shared => "shared",
                    };
                    j.write(
                        "stored",
                        json!({"account": account, "delivery_id": id.0, "placement": placement}),
                    );
                }
            }
            ServerEvent::Queued { id, account } => {
                if let Some(j) = &self.journal {
                    j.write("queued", json!({"account": account, "delivery_id": id.0}));
                }
            }
            ServerEvent::Retrying {
                id,
                account,
                bind_id,
                failure,
                attempts,
            } => {
                if let Some(o) = &self.observe {
                    o.metrics.retried();
                    if let Some(p) = lock(&o.pending).get_mut(&id) {
                        p.retries = attempts;
                    }
                }
                if let Some(j) = &self.journal {
                    j.write(
                        "retry",
                        json!({"account": account, "delivery_id": id.0, "bind_id": bind_id.0, "failure": failure.to_string(), "attempts": u64::from(attempts)}),
                    );
                }
            }
            ServerEvent::Overflow { account } => {
                if let Some(j) = &self.journal {
                    j.write("overflow", json!({"account": account}));
                }
            }
            ServerEvent::Outbound { id, bind_id } => {
                if let Some(j) = &self.journal {
                    j.write("outbind", json!({"outbind_id": id.0, "bind_id": bind_id.0}));
                }
            }
            ServerEvent::OutbindFailed {
                addr,
                attempt,
                retry_in,
                ..
            } => {
                log::info!(
                    "outbind to {addr} failed (attempt {attempt}); {}",
                    match retry_in {
                        Some(d) => format!("retrying in {d}"),
                        None => "giving up".into(),
                    }
                );
            }
            ServerEvent::Delivery { id, outcome, .. } => {
                if let Some(o) = &self.observe {
                    o.metrics.delivery_ended(
                        matches!(outcome, DeliveryOutcome::Delivered { .. }),
                        matches!(outcome, DeliveryOutcome::GaveUp { .. }),
                    );
                    let ended = lock(&o.pending).remove(&id);
                    if let Some((seq, _)) = ended.and_then(|p| p.message) {
                        let name = delivery_name(&Ok(outcome));
                        o.set_receipt(seq, |r| {
                            if let ReceiptState::Sent {
                                delivery: Some(d),
                                outcome,
                                ..
                            } = r
                            {
                                if *d == id {
                                    *outcome = Some(name);
                                }
                            }
                        });
                    }
                }
            }
            ServerEvent::ConnectionRefused { suppressed, .. } => {
                if let Some(o) = &self.observe {
                    o.metrics.connections_refused(1 + suppressed);
                }
            }
            other => log::debug!("server event {other:?}"),
        }
    }

    /// Hands a delivery to the server's queue; with `observe`, keeps it among the pending
    /// ones until its `Delivery` event (the lock is held across `deliver` so the event
    /// cannot be handled first).
    fn deliver_tracked(
        &self,
        server: &SimServer,
        account: &str,
        body: &Body<'_>,
        kind: DeliveryKind,
        message: Option<(u64, String)>,
    ) -> Result<SimDelivery, ServerError> {
        let Some(o) = &self.observe else {
            return server.deliver(account, body);
        };
        let mut pending = lock(&o.pending);
        let accepted = server.deliver(account, body);
        if let Ok(d) = &accepted {
            pending.insert(
                d.id(),
                Pending {
                    account: account.to_string(),
                    kind,
                    message,
                    since: std::time::Instant::now(),
                    retries: 0,
                },
            );
        }
        accepted
    }

    /// Builds a delivery receipt for `message_id` (from its `source` to its `destination`,
    /// swapped) and hands it to the queue; returns the delivery and the receipt text.
    #[allow(clippy::too_many_arguments)]
    fn deliver_receipt(
        &self,
        server: &SimServer,
        account: &str,
        message_id: &str,
        seq: Option<u64>,
        (source, destination): (&OwnedAddress, &OwnedAddress),
        submitted: ReceiptDate,
        text: String,
        (stat, err): (MessageState, u16),
    ) -> (Result<SimDelivery, ServerError>, String) {
        let fields = ReceiptFields {
            id: message_id.to_string(),
            sub: 1,
            dlvrd: u32::from(stat == MessageState::Delivered),
            submit_date: submitted,
            done_date: receipt_date_now(),
            stat,
            err,
            text,
        };
        let receipt = fields.to_string();
        let (data_coding, octets) = if receipt.is_ascii() {
            (DataCoding(1), receipt.clone().into_bytes())
        } else {
            (DataCoding::UCS2, ucs2::encode(&receipt))
        };
        let in_payload = octets.len() > 254;
        let mut tlvs = vec![
            Tlv::cstr(TlvTag::RECEIPTED_MESSAGE_ID, message_id.as_bytes()),
            Tlv::u8(TlvTag::MESSAGE_STATE, stat.to_u8()),
        ];
        if in_payload {
            tlvs.push(Tlv::octets(TlvTag::MESSAGE_PAYLOAD, &octets));
        }
        let body = Body::DeliverSm(DeliverSm {
            source: destination.as_address(),
            destination: source.as_address(),
            esm_class: EsmClass::DELIVERY_RECEIPT,
            data_coding,
            short_message: if in_payload { &[] } else { &octets },
            tlvs: Tlvs::from_slice(&tlvs),
            ..Default::default()
        });
        let message = seq.map(|n| (n, message_id.to_string()));
        let accepted = self.deliver_tracked(server, account, &body, DeliveryKind::Receipt, message);
        if let (Some(o), Some(n)) = (&self.observe, seq) {
            let delivery = accepted.as_ref().ok().map(SimDelivery::id);
            o.set_receipt(n, |r| {
                *r = ReceiptState::Sent {
                    stat,
                    err,
                    delivery,
                    outcome: None,
                }
            });
        }
        (accepted, receipt)
    }

    fn next_reference(&self) -> u16 {
        (self.next_ref.fetch_add(1, Ordering::Relaxed) & 0xFF) as u16
    }

    /// Sends the MO-on-bind texts to one new bind.
    async fn send_mo_on_bind(&self, server: &SimServer, bind_id: BindId, range: String) {
        let Some(session) = server.session(bind_id) else {
            return;
        };
        let to = if range.is_empty() {
            MO_DEFAULT_DESTINATION.to_string()
        } else {
            range
        };
        for text in &self.mo_on_bind {
            let out = match prepare(text, TextEncoding::Auto, Split::Udh, self.next_reference()) {
                Ok(o) => o,
                Err(e) => {
                    log::warn!("MO text {text:?} cannot be sent: {e}");
                    continue;
                }
            };
            let mut statuses = Vec::new();
            for i in 0..out.parts.len() {
                let tlvs = out.tlvs(i);
                let sm = out.submit_sm(
                    i,
                    &tlvs,
                    address(MO_SOURCE),
                    address(&to),
                    RegisteredDelivery::NONE,
                );
                let status = match session.send(&Body::DeliverSm(sm)).await {
                    Ok(r) => {
                        self.counters.mo.fetch_add(1, Ordering::Relaxed);
                        status_name(r.status())
                    }
                    Err(e) => e.to_string(),
                };
                statuses.push(status);
            }
            if let Some(j) = &self.journal {
                j.write(
                    "mo",
                    json!({"reason": "on_bind", "account": session.account(), "bind_id": bind_id.0, "source": MO_SOURCE, "destination": to.as_str(), "parts": out.parts.len(), "text": text.as_str(), "responses": statuses}),
                );
            }
        }
    }

    /// Counts a delivery the server accepted; with a journal, waits for its outcome and
    /// names it. Without one nobody needs the outcome: not waiting for it spares a thread
    /// per delivery on the `blocking` runtime.
    async fn delivered(
        &self,
        accepted: Result<SimDelivery, ServerError>,
        counter: &AtomicU64,
        account: &str,
    ) -> Option<String> {
        if accepted.is_ok() {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        let outcome = match accepted {
            Ok(d) if self.journal.is_some() => d.outcome().await,
            Ok(_) => return None,
            Err(e) => {
                log::debug!("delivery for {account} not accepted: {e}");
                Err(e)
            }
        };
        self.journal.as_ref().map(|_| delivery_name(&outcome))
    }

    async fn run(&self, server: &SimServer, job: Job) {
        match job {
            Job::Receipt {
                account,
                message_id,
                seq,
                source,
                destination,
                submitted,
                text,
                stat,
                err,
            } => {
                let (accepted, receipt) = self.deliver_receipt(
                    server,
                    &account,
                    &message_id,
                    seq,
                    (&source, &destination),
                    submitted,
                    text,
                    (stat, err),
                );
                let delivery = self
                    .delivered(accepted, &self.counters.receipts, &account)
                    .await;
                if let (Some(j), Some(delivery)) = (&self.journal, delivery) {
                    j.write(
                        "receipt",
                        json!({"account": account, "message_id": message_id, "source": destination.text(), "destination": source.text(), "stat": stat.receipt_stat(), "text": receipt, "delivery": delivery}),
                    );
                }
            }
            Job::Echo {
                account,
                from,
                to,
                text,
            } => {
                let out =
                    match prepare(&text, TextEncoding::Auto, Split::Udh, self.next_reference()) {
                        Ok(o) => o,
                        Err(e) => {
                            log::warn!("echo of {text:?} cannot be sent: {e}");
                            return;
                        }
                    };
                let mut deliveries = Vec::new();
                for i in 0..out.parts.len() {
                    let tlvs = out.tlvs(i);
                    let sm = out.submit_sm(
                        i,
                        &tlvs,
                        from.as_address(),
                        to.as_address(),
                        RegisteredDelivery::NONE,
                    );
                    let accepted = self.deliver_tracked(
                        server,
                        &account,
                        &Body::DeliverSm(sm),
                        DeliveryKind::Mo,
                        None,
                    );
                    if let Some(d) = self.delivered(accepted, &self.counters.mo, &account).await {
                        deliveries.push(d);
                    }
                }
                if let Some(j) = &self.journal {
                    j.write(
                        "mo",
                        json!({"reason": "echo", "account": account, "source": from.text(), "destination": to.text(), "parts": out.parts.len(), "text": text, "delivery": deliveries}),
                    );
                }
            }
        }
    }
}

/// How a delivery ended, for the journal.
fn delivery_name(outcome: &Result<DeliveryOutcome, ServerError>) -> String {
    match outcome {
        Ok(DeliveryOutcome::Delivered { .. }) => "delivered".into(),
        Ok(DeliveryOutcome::Refused { status, .. }) => {
            format!("refused {}", status_name(*status))
        }
        Ok(DeliveryOutcome::GaveUp { reason, .. }) => format!("gave up: {reason}"),
        Ok(DeliveryOutcome::InStore) => "kept in the store".into(),
        Err(e) => format!("not accepted: {e}"),
    }
}

/// The SME destinations of a submission (several for `submit_multi`).
pub(crate) fn destinations_of(body: &Body<'_>, view: &MessageView<'_>) -> Vec<OwnedAddress> {
    match body {
        Body::SubmitMulti(m) => m
            .dest_addresses
            .iter()
            .filter_map(|d| match d {
                DestAddress::Sme(a) => Some(OwnedAddress::from(&a)),
                DestAddress::DistributionList(_) => None,
            })
            .collect(),
        _ => vec![OwnedAddress::from(&view.destination)],
    }
}

/// Writes `n` as at least 10 lowercase hex digits into `buf`.
pub(crate) fn format_id(n: u64, buf: &mut [u8; 20]) -> &str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digits = (16 - n.leading_zeros() as usize / 4).max(10);
    for (i, slot) in buf.iter_mut().take(digits).enumerate() {
        let shift = 4 * (digits - 1 - i);
        *slot = HEX[((n >> shift) & 0xF) as usize];
    }
    std::str::from_utf8(&buf[..digits]).unwrap_or("0")
}

/// Now (UTC) as a receipt date, `YYMMDDhhmm`.
pub fn receipt_date_now() -> ReceiptDate {
    receipt_date_of(OffsetDateTime::now_utc())
}

/// A time (UTC) as a receipt date, `YYMMDDhhmm`.
pub fn receipt_date_of(t: impl Into<OffsetDateTime>) -> ReceiptDate {
    let now: OffsetDateTime = t.into();
    ReceiptDate::new(
        // 0..=99.
        now.year().rem_euclid(100) as u8,
        now.month().into(),
        now.day(),
        now.hour(),
        now.minute(),
        None,
    )
    .expect("a calendar date is a valid receipt date")
}

/// Now (UTC) as `YYYY-MM-DDThh:mm:ss.mmmZ` (ISO 8601 / RFC 3339 in milliseconds).
pub fn utc_timestamp() -> String {
    OffsetDateTime::now_utc()
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .expect("a UTC date formats")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_hex_counters() {
        let mut buf = [0u8; 20];
        assert_eq!(format_id(1, &mut buf), "0000000001");
        assert_eq!(format_id(0xabc, &mut buf), "0000000abc");
        assert_eq!(format_id(u64::MAX, &mut buf), "ffffffffffffffff");
        assert_eq!(format_id(0x0123_4567_890a, &mut buf), "1234567890a");
    }

    #[test]
    fn accounts_parse() {
        assert_eq!(Account::parse("a:b"), Ok(Account::new("a", "b")));
        assert_eq!(Account::parse("a:b:c"), Ok(Account::new("a", "b:c")));
        assert!(Account::parse("nopassword").is_err());
        assert!(Account::parse(":pw").is_err());
        assert!(Account::parse("a:123456789").is_err());
        assert_eq!(
            format!("{:?}", Account::new("a", "secret")),
            "Account(a:***)"
        );
    }

    #[test]
    fn reject_rate_is_about_right_and_deterministic() {
        let hits = |rate: f64| (0..10_000u64).filter(|&n| reject_draw(n) < rate).count();
        let h = hits(0.25);
        assert!((2_300..2_700).contains(&h), "{h}");
        assert_eq!(hits(0.25), h);
    }

    #[test]
    fn timestamps_look_right() {
        let t = utc_timestamp();
        assert_eq!(t.len(), 24, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T');
        let parsed = OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339");
        assert!((OffsetDateTime::now_utc() - parsed).abs() < time::Duration::minutes(1));
        let d = receipt_date_now().to_string();
        assert!(
            d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit()),
            "{d}"
        );
    }
}
