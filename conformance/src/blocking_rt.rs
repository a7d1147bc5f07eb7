//! The harness over `smpp-blocking`: its calls block the test's thread already; the
//! server's connections run on threads of their own.

use crate::{
    Accounts, Answer, ClientUnderTest, Failure, HandlerPolicy, Kind, OutcomeResult,
    PendingDelivery, Received, Runtime, ServerUnderTest, WaitOutcome,
};
use smpp_blocking::{
    Client, Error, Incoming, IncomingRequest, Server, TlsClientConfig, TlsServerConfig,
};
use smpp_core::client::{ClientConfig, LinkState, Response};
use smpp_core::codec::Frame;
use smpp_core::pdu::Body;
use smpp_core::server::{
    BindId, OutbindId, RequestContext, ServerConfig, ServerEvent, SessionInfo,
};
use smpp_core::CommandStatus;
use std::net::SocketAddr;
use std::sync::mpsc::Receiver;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The blocking runtime (`smpp-blocking`).
#[derive(Debug)]
pub struct BlockingRuntime;

fn failure(e: Error) -> Failure {
    match e {
        Error::Io(e) => Failure::Io(e.to_string()),
        Error::ConnectTimeout => Failure::ConnectTimeout,
        Error::BindFailed(s) => Failure::BindFailed(s),
        Error::ConnectionLost(r) => Failure::ConnectionLost(r),
        Error::Timeout => Failure::Timeout,
        Error::MismatchedResponse { request, response } => {
            Failure::MismatchedResponse { request, response }
        }
        Error::Session(e) => Failure::Session(e),
        Error::Closed => Failure::Closed,
        Error::Limit(e) => Failure::Limit(e),
        Error::Deliver(e) => Failure::Deliver(e),
        Error::Tls(e) => Failure::Tls(e),
        other => Failure::Other(other.to_string()),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Runtime for BlockingRuntime {
    const KIND: Kind = Kind::Blocking;
    type Server = BlockingServer;
    type Client = BlockingClient;

    fn start_server_with_store(
        config: ServerConfig,
        accounts: Accounts,
        policy: HandlerPolicy,
        store: Option<Box<dyn smpp_store::DeliveryStore>>,
    ) -> BlockingServer {
        start(config, accounts, policy, None, store)
    }

    fn start_tls_server(
        config: ServerConfig,
        accounts: Accounts,
        policy: HandlerPolicy,
        tls: TlsServerConfig,
    ) -> BlockingServer {
        start(config, accounts, policy, Some(tls), None)
    }

    fn connect(addr: SocketAddr, config: ClientConfig) -> Result<BlockingClient, Failure> {
        let (client, incoming) = Client::connect(addr, config).map_err(failure)?;
        Ok(BlockingClient {
            client,
            incoming: Mutex::new(incoming),
        })
    }

    fn connect_tls(
        addr: &str,
        config: ClientConfig,
        tls: TlsClientConfig,
    ) -> Result<BlockingClient, Failure> {
        let (client, incoming) = Client::connect_tls(addr, config, tls).map_err(failure)?;
        Ok(BlockingClient {
            client,
            incoming: Mutex::new(incoming),
        })
    }

    fn accept_outbind(
        listener: std::net::TcpListener,
        config: ClientConfig,
    ) -> Result<BlockingClient, Failure> {
        let (client, incoming) = Client::accept_outbind(&listener, config).map_err(failure)?;
        Ok(BlockingClient {
            client,
            incoming: Mutex::new(incoming),
        })
    }
}

/// A server on `127.0.0.1:0`, over TLS when `tls` is given.
fn start(
    config: ServerConfig,
    accounts: Accounts,
    policy: HandlerPolicy,
    tls: Option<TlsServerConfig>,
    store: Option<Box<dyn smpp_store::DeliveryStore>>,
) -> BlockingServer {
    let handler = move |ctx: &RequestContext, frame: &Frame| {
        if let Some(d) = policy.delay {
            std::thread::sleep(d);
        }
        policy.reply(ctx, frame)
    };
    let addr = "127.0.0.1:0";
    let server = match tls {
        Some(tls) => Server::bind_tls(addr, config, tls, accounts, handler),
        None => Server::bind(addr, config, accounts, handler),
    }
    .expect("blocking server listens");
    if let Some(store) = store {
        server.attach_store(store).expect("the store attaches");
    }
    let events = Mutex::new(server.events());
    BlockingServer { server, events }
}

/// A `smpp_blocking::Server` under test.
#[derive(Debug)]
pub struct BlockingServer {
    server: Server,
    events: Mutex<Receiver<ServerEvent>>,
}

struct BlockingDelivery(smpp_blocking::Delivery);

impl WaitOutcome for BlockingDelivery {
    fn wait_timeout(&mut self, timeout: Duration) -> Option<OutcomeResult> {
        self.0.wait_timeout(timeout).map(Ok)
    }
}

impl ServerUnderTest for BlockingServer {
    fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    fn connection_count(&self) -> usize {
        self.server.connection_count()
    }

    fn sessions(&self) -> Vec<SessionInfo> {
        self.server.sessions()
    }

    fn has_session(&self, bind_id: BindId) -> bool {
        self.server.session(bind_id).is_some()
    }

    fn queued(&self, account: &str) -> usize {
        self.server.queued(account)
    }

    fn deliver(&self, account: &str, body: &Body<'_>) -> Result<PendingDelivery, Failure> {
        let d = self.server.deliver(account, body).map_err(failure)?;
        Ok(PendingDelivery::new(d.id(), Box::new(BlockingDelivery(d))))
    }

    fn next_event(&self, timeout: Duration) -> Option<ServerEvent> {
        lock(&self.events).recv_timeout(timeout).ok()
    }

    fn outbind(&self, addr: SocketAddr, system_id: &str, password: &str) -> OutbindId {
        self.server.outbind(addr, system_id, password)
    }

    fn shutdown(&self, timeout: Duration) {
        self.server.shutdown(timeout)
    }
}

/// A `smpp_blocking::Client` under test, with its incoming requests.
#[derive(Debug)]
pub struct BlockingClient {
    client: Client,
    incoming: Mutex<Incoming>,
}

impl Answer for IncomingRequest {
    fn answer(self: Box<Self>, status: CommandStatus, body: &Body<'_>) -> Result<(), Failure> {
        (*self).respond(status, body).map_err(failure)
    }
}

impl ClientUnderTest for BlockingClient {
    fn send(&self, body: &Body<'_>) -> Result<Response, Failure> {
        self.client.send(body).map_err(failure)
    }

    fn send_all(&self, bodies: &[Body<'_>]) -> Vec<Result<Response, Failure>> {
        let tickets: Vec<_> = bodies.iter().map(|b| self.client.submit(b)).collect();
        tickets
            .into_iter()
            .map(|t| t.and_then(|t| t.wait()).map_err(failure))
            .collect()
    }

    fn recv(&self, timeout: Duration) -> Option<Received> {
        let req = lock(&self.incoming).recv_timeout(timeout).ok()?;
        let frame = req.frame.clone();
        Some(Received::new(frame, Box::new(req)))
    }

    fn incoming_len(&self) -> usize {
        lock(&self.incoming).len()
    }

    fn unbind(&self) -> Result<(), Failure> {
        self.client.unbind().map_err(failure)
    }

    fn state(&self) -> LinkState {
        self.client.state()
    }
}
