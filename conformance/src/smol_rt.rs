//! The harness over `smpp-smol`: every async call is driven with `smol::block_on` on the
//! test's thread; the server's tasks run on smol's global executor.

use crate::{
    Accounts, Answer, ClientUnderTest, Failure, HandlerPolicy, Kind, OutcomeResult,
    PendingDelivery, Received, Runtime, ServerUnderTest, WaitOutcome,
};
use futures_lite::FutureExt;
use smpp_core::client::{ClientConfig, LinkState, Response};
use smpp_core::codec::Frame;
use smpp_core::pdu::Body;
use smpp_core::server::{
    BindId, DeliveryOutcome, OutbindId, RequestContext, ServerConfig, ServerEvent, SessionInfo,
};
use smpp_core::CommandStatus;
use smpp_smol::{
    AsyncHandler, Client, Error, Incoming, IncomingRequest, Server, TlsClientConfig,
    TlsServerConfig,
};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The smol runtime (`smpp-smol`).
#[derive(Debug)]
pub struct SmolRuntime;

/// `fut`, or `None` after `timeout`.
fn timed<T>(timeout: Duration, fut: impl Future<Output = T>) -> Option<T> {
    smol::block_on(async { Some(fut.await) }.or(async {
        smol::Timer::after(timeout).await;
        None
    }))
}

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

impl Runtime for SmolRuntime {
    const KIND: Kind = Kind::Smol;
    type Server = SmolServer;
    type Client = SmolClient;

    fn start_server_with_store(
        config: ServerConfig,
        accounts: Accounts,
        handler: HandlerPolicy,
        store: Option<Box<dyn smpp_store::DeliveryStore>>,
    ) -> SmolServer {
        start(config, accounts, handler, None, store)
    }

    fn start_tls_server(
        config: ServerConfig,
        accounts: Accounts,
        handler: HandlerPolicy,
        tls: TlsServerConfig,
    ) -> SmolServer {
        start(config, accounts, handler, Some(tls), None)
    }

    fn connect(addr: SocketAddr, config: ClientConfig) -> Result<SmolClient, Failure> {
        let (client, incoming) = smol::block_on(Client::connect(addr, config)).map_err(failure)?;
        Ok(SmolClient { client, incoming })
    }

    fn connect_tls(
        addr: &str,
        config: ClientConfig,
        tls: TlsClientConfig,
    ) -> Result<SmolClient, Failure> {
        let (client, incoming) =
            smol::block_on(Client::connect_tls(addr, config, tls)).map_err(failure)?;
        Ok(SmolClient { client, incoming })
    }

    fn accept_outbind(
        listener: std::net::TcpListener,
        config: ClientConfig,
    ) -> Result<SmolClient, Failure> {
        let listener =
            smol::net::TcpListener::try_from(listener).map_err(|e| Failure::Io(e.to_string()))?;
        // smol waits for the SMSC's connection without a limit of its own (then for the
        // outbind within the bind timeout); bound it here like the blocking runtime does.
        let wait = config.connect_timeout + Duration::from(config.session.bind_timeout);
        let accepted = timed(wait, Client::accept_outbind(&listener, config))
            .ok_or(Failure::ConnectTimeout)?;
        let (client, incoming) = accepted.map_err(failure)?;
        Ok(SmolClient { client, incoming })
    }
}

/// A server on `127.0.0.1:0`, over TLS when `tls` is given.
fn start(
    config: ServerConfig,
    accounts: Accounts,
    handler: HandlerPolicy,
    tls: Option<TlsServerConfig>,
    store: Option<Box<dyn smpp_store::DeliveryStore>>,
) -> SmolServer {
    let policy = Arc::new(handler);
    let handler = AsyncHandler(move |ctx: RequestContext, frame: Frame| {
        let policy = policy.clone();
        async move {
            if let Some(d) = policy.delay {
                smol::Timer::after(d).await;
            }
            policy.reply(&ctx, &frame)
        }
    });
    let addr = "127.0.0.1:0";
    let server = smol::block_on(async {
        match tls {
            Some(tls) => Server::bind_tls(addr, config, tls, accounts, handler).await,
            None => Server::bind(addr, config, accounts, handler).await,
        }
    })
    .expect("smol server listens");
    if let Some(store) = store {
        server.attach_store(store).expect("the store attaches");
    }
    let events = server.events();
    SmolServer { server, events }
}

/// A `smpp_smol::Server` under test.
#[derive(Debug)]
pub struct SmolServer {
    server: Server,
    events: smol::channel::Receiver<ServerEvent>,
}

struct SmolDelivery(smpp_smol::Delivery);

impl WaitOutcome for SmolDelivery {
    fn wait_timeout(&mut self, timeout: Duration) -> Option<OutcomeResult> {
        let r: Option<Result<DeliveryOutcome, Error>> = timed(timeout, &mut self.0);
        r.map(|r| r.map_err(failure))
    }
}

impl ServerUnderTest for SmolServer {
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
        Ok(PendingDelivery::new(d.id(), Box::new(SmolDelivery(d))))
    }

    fn next_event(&self, timeout: Duration) -> Option<ServerEvent> {
        timed(timeout, self.events.recv()).and_then(Result::ok)
    }

    fn outbind(&self, addr: SocketAddr, system_id: &str, password: &str) -> OutbindId {
        self.server.outbind(addr, system_id, password)
    }

    fn shutdown(&self, timeout: Duration) {
        smol::block_on(self.server.shutdown(timeout))
    }
}

/// A `smpp_smol::Client` under test, with its incoming requests.
#[derive(Debug)]
pub struct SmolClient {
    client: Client,
    incoming: Incoming,
}

impl Answer for IncomingRequest {
    fn answer(self: Box<Self>, status: CommandStatus, body: &Body<'_>) -> Result<(), Failure> {
        (*self).respond(status, body).map_err(failure)
    }
}

impl ClientUnderTest for SmolClient {
    fn send(&self, body: &Body<'_>) -> Result<Response, Failure> {
        smol::block_on(self.client.send(body)).map_err(failure)
    }

    fn send_all(&self, bodies: &[Body<'_>]) -> Vec<Result<Response, Failure>> {
        smol::block_on(async {
            let mut pending = Vec::with_capacity(bodies.len());
            for b in bodies {
                pending.push(self.client.send_pipelined(b).await);
            }
            let mut out = Vec::with_capacity(pending.len());
            for p in pending {
                out.push(match p {
                    Ok(f) => f.await.map_err(failure),
                    Err(e) => Err(failure(e)),
                });
            }
            out
        })
    }

    fn recv(&self, timeout: Duration) -> Option<Received> {
        let req = timed(timeout, self.incoming.recv()).and_then(Result::ok)?;
        let frame = req.frame.clone();
        Some(Received::new(frame, Box::new(req)))
    }

    fn incoming_len(&self) -> usize {
        self.incoming.len()
    }

    fn unbind(&self) -> Result<(), Failure> {
        smol::block_on(self.client.unbind()).map_err(failure)
    }

    fn state(&self) -> LinkState {
        self.client.state()
    }
}
