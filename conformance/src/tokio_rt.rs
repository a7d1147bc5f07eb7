//! The harness over `smpp-tokio`: every async call is driven with `Runtime::block_on` on
//! the test's thread, on one multi-thread tokio runtime (two workers) shared by the
//! process, where the server's and clients' tasks run.

use crate::{
    Accounts, Answer, ClientUnderTest, Failure, HandlerPolicy, Kind, OutcomeResult,
    PendingDelivery, Received, Runtime, ServerUnderTest, WaitOutcome,
};
use smpp_core::client::{ClientConfig, LinkState, Response};
use smpp_core::codec::Frame;
use smpp_core::pdu::Body;
use smpp_core::server::{
    BindId, OutbindId, RequestContext, ServerConfig, ServerEvent, SessionInfo,
};
use smpp_core::CommandStatus;
use smpp_tokio::{
    AsyncHandler, Client, Error, Incoming, IncomingRequest, Server, TlsClientConfig,
    TlsServerConfig,
};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc;

/// The tokio runtime (`smpp-tokio`).
#[derive(Debug)]
pub struct TokioRuntime;

/// The process's runtime.
fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

fn block_on<T>(fut: impl Future<Output = T>) -> T {
    rt().block_on(fut)
}

/// `fut`, or `None` after `timeout`.
fn timed<T>(timeout: Duration, fut: impl Future<Output = T>) -> Option<T> {
    block_on(async { tokio::time::timeout(timeout, fut).await.ok() })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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

impl Runtime for TokioRuntime {
    const KIND: Kind = Kind::Tokio;
    type Server = TokioServer;
    type Client = TokioClient;

    fn start_server_with_store(
        config: ServerConfig,
        accounts: Accounts,
        handler: HandlerPolicy,
        store: Option<Box<dyn smpp_store::DeliveryStore>>,
    ) -> TokioServer {
        start(config, accounts, handler, None, store)
    }

    fn start_tls_server(
        config: ServerConfig,
        accounts: Accounts,
        handler: HandlerPolicy,
        tls: TlsServerConfig,
    ) -> TokioServer {
        start(config, accounts, handler, Some(tls), None)
    }

    fn connect(addr: SocketAddr, config: ClientConfig) -> Result<TokioClient, Failure> {
        let (client, incoming) = block_on(Client::connect(addr, config)).map_err(failure)?;
        Ok(TokioClient {
            client,
            incoming: Mutex::new(incoming),
        })
    }

    fn connect_tls(
        addr: &str,
        config: ClientConfig,
        tls: TlsClientConfig,
    ) -> Result<TokioClient, Failure> {
        let (client, incoming) =
            block_on(Client::connect_tls(addr, config, tls)).map_err(failure)?;
        Ok(TokioClient {
            client,
            incoming: Mutex::new(incoming),
        })
    }

    fn accept_outbind(
        listener: std::net::TcpListener,
        config: ClientConfig,
    ) -> Result<TokioClient, Failure> {
        listener
            .set_nonblocking(true)
            .map_err(|e| Failure::Io(e.to_string()))?;
        // Like smol, tokio waits for the SMSC's connection without a limit of its own (then
        // for the outbind within the bind timeout); bound it here like the blocking runtime.
        let wait = config.connect_timeout + Duration::from(config.session.bind_timeout);
        let accepted = block_on(async {
            let listener = tokio::net::TcpListener::from_std(listener)
                .map_err(|e| Failure::Io(e.to_string()))?;
            tokio::time::timeout(wait, Client::accept_outbind(&listener, config))
                .await
                .map_err(|_| Failure::ConnectTimeout)?
                .map_err(failure)
        });
        let (client, incoming) = accepted?;
        Ok(TokioClient {
            client,
            incoming: Mutex::new(incoming),
        })
    }
}

/// A server on `127.0.0.1:0`, over TLS when `tls` is given.
fn start(
    config: ServerConfig,
    accounts: Accounts,
    handler: HandlerPolicy,
    tls: Option<TlsServerConfig>,
    store: Option<Box<dyn smpp_store::DeliveryStore>>,
) -> TokioServer {
    let policy = Arc::new(handler);
    let handler = AsyncHandler(move |ctx: RequestContext, frame: Frame| {
        let policy = policy.clone();
        async move {
            if let Some(d) = policy.delay {
                tokio::time::sleep(d).await;
            }
            policy.reply(&ctx, &frame)
        }
    });
    let addr = "127.0.0.1:0";
    let server = block_on(async {
        match tls {
            Some(tls) => Server::bind_tls(addr, config, tls, accounts, handler).await,
            None => Server::bind(addr, config, accounts, handler).await,
        }
    })
    .expect("tokio server listens");
    if let Some(store) = store {
        server.attach_store(store).expect("the store attaches");
    }
    let events = Mutex::new(server.events());
    TokioServer { server, events }
}

/// A `smpp_tokio::Server` under test.
#[derive(Debug)]
pub struct TokioServer {
    server: Server,
    events: Mutex<mpsc::Receiver<ServerEvent>>,
}

struct TokioDelivery(smpp_tokio::Delivery);

impl WaitOutcome for TokioDelivery {
    fn wait_timeout(&mut self, timeout: Duration) -> Option<OutcomeResult> {
        timed(timeout, &mut self.0).map(|r| r.map_err(failure))
    }
}

impl ServerUnderTest for TokioServer {
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
        Ok(PendingDelivery::new(d.id(), Box::new(TokioDelivery(d))))
    }

    fn next_event(&self, timeout: Duration) -> Option<ServerEvent> {
        let mut events = lock(&self.events);
        timed(timeout, events.recv()).flatten()
    }

    fn outbind(&self, addr: SocketAddr, system_id: &str, password: &str) -> OutbindId {
        self.server.outbind(addr, system_id, password)
    }

    fn shutdown(&self, timeout: Duration) {
        block_on(self.server.shutdown(timeout))
    }
}

/// A `smpp_tokio::Client` under test, with its incoming requests.
#[derive(Debug)]
pub struct TokioClient {
    client: Client,
    incoming: Mutex<Incoming>,
}

impl Answer for IncomingRequest {
    fn answer(self: Box<Self>, status: CommandStatus, body: &Body<'_>) -> Result<(), Failure> {
        (*self).respond(status, body).map_err(failure)
    }
}

impl ClientUnderTest for TokioClient {
    fn send(&self, body: &Body<'_>) -> Result<Response, Failure> {
        block_on(self.client.send(body)).map_err(failure)
    }

    fn send_all(&self, bodies: &[Body<'_>]) -> Vec<Result<Response, Failure>> {
        block_on(async {
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
        let mut incoming = lock(&self.incoming);
        let req = timed(timeout, incoming.recv()).flatten()?;
        let frame = req.frame.clone();
        Some(Received::new(frame, Box::new(req)))
    }

    fn incoming_len(&self) -> usize {
        lock(&self.incoming).len()
    }

    fn unbind(&self) -> Result<(), Failure> {
        block_on(self.client.unbind()).map_err(failure)
    }

    fn state(&self) -> LinkState {
        self.client.state()
    }
}
