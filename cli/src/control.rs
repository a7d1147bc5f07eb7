//! The SMSC simulator's control plane (`smpp smsc --http`): a JSON API, Prometheus metrics
//! and a live dashboard over HTTP, all served by one request handler, [`ControlPlane`].
//!
//! The handler is plain: a method, a path, a query string and a body in; a status, a
//! content type and a body out ([`Response`]). It calls only the simulator's public API
//! ([`SimHandle`]), so a program that embeds the simulator can mount it in its own HTTP
//! server, or run the one here ([`HttpServer`], tiny_http on threads of its own: a slow
//! HTTP client never holds up an SMPP task).
//!
//! | method and path | what |
//! | --- | --- |
//! | `GET /` | the dashboard: sessions, last messages, an MO form, unbind buttons |
//! | `GET /metrics` | the metrics, Prometheus text format |
//! | `GET /api/sessions` | every bound session: bind id, account, bind type, SMPP 3.4 state, peer, connected since, counters, window occupancy both ways |
//! | `DELETE /api/sessions/{id}` | unbind it (`?abort=true`: drop its connection) |
//! | `GET /api/messages?account=&since=&limit=` | submitted messages (parts), text decoded, long messages reassembled, message id, receipt state |
//! | `POST /api/mo` | `{"account" or "bind_id", "from", "to", "text", "encoding"?, "split"?}`: an MO through the delivery queue; answers its delivery ids |
//! | `POST /api/receipts` | `{"message_id", "stat", "err"?}`: that receipt for a submitted message |
//! | `GET /api/store` | deliveries held per account, with their age and retries |
//! | `GET /api/accounts` | the accounts accepted |
//!
//! Errors are JSON, `{"error": "...", "field": "..."}` (`field` names the request field at
//! fault, or is `null`), with a 4xx status: 400 (malformed or invalid), 404 (unknown path,
//! session, account or message id), 405 (wrong method), 409 (the simulator keeps no such
//! state), 413 (body over [`MAX_BODY`]), 503 (the server's queue refused the message).
//! Bad input is refused before anything reaches the SMPP side.
//!
//! ```no_run
//! use smpp_cli::control::ControlPlane;
//! use smpp_cli::sim::{SimConfig, Simulator};
//!
//! smol::block_on(async {
//!     let sim = Simulator::start(SimConfig {
//!         listen: "127.0.0.1:0".into(),
//!         observe: true,
//!         ..SimConfig::default()
//!     })
//!     .await
//!     .unwrap();
//!     let plane = ControlPlane::new(sim.handle());
//!     let r = plane.handle("GET", "/api/sessions", "", b"");
//!     assert_eq!(r.status, 200);
//!     // Or serve it: plane.serve("127.0.0.1:8775")
//! });
//! ```

use crate::message::{Split, TextEncoding};
use crate::sim::{
    receipt_state_name, ControlError, MessageQuery, MoRequest, MoTarget, ReceiptState,
    SessionStatus, SimHandle, SubmittedMessage,
};
use serde_json::{json, Map, Value};
use smpp_core::message::MessageState;
use smpp_core::server::BindId;
use smpp_core::session::PerCommand;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::SystemTime;
use time::macros::format_description;
use time::OffsetDateTime;

/// The address `--http` listens on when given none.
pub const DEFAULT_HTTP_ADDR: &str = "127.0.0.1:8775";

/// The largest request body taken (64 KiB); a larger one is answered 413.
pub const MAX_BODY: usize = 64 * 1024;

/// The most messages one `GET /api/messages` lists.
pub const MAX_LIMIT: usize = 100_000;

/// The dashboard page (HTML and a little JavaScript, no external resource).
pub const DASHBOARD_HTML: &str = include_str!("control/dashboard.html");

const JSON: &str = "application/json";

/// What the handler answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
    /// The `Allow` header of a 405 answer.
    pub allow: Option<&'static str>,
}

impl Response {
    fn json(status: u16, v: &Value) -> Response {
        Response {
            status,
            content_type: JSON,
            body: crate::json::to_string(v).into_bytes(),
            allow: None,
        }
    }

    fn error(status: u16, message: impl Into<String>, field: Option<&str>) -> Response {
        Response::json(status, &json!({"error": message.into(), "field": field}))
    }

    /// The body as text (lossy), for tests and logs.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl From<ControlError> for Response {
    fn from(e: ControlError) -> Response {
        let status = match &e {
            ControlError::NotFound { .. } => 404,
            ControlError::Invalid { .. } => 400,
            ControlError::NotObserved => 409,
            ControlError::Refused(_) => 503,
        };
        Response::error(status, e.to_string(), e.field())
    }
}

/// The control plane's request handler, over a running simulator.
#[derive(Clone, Debug)]
pub struct ControlPlane {
    sim: SimHandle,
    max_body: usize,
}

/// A failed request, as an answer.
type Answer = Result<Response, Response>;

fn bad(field: &str, message: impl Into<String>) -> Response {
    Response::error(400, message, Some(field))
}

fn method_not_allowed(method: &str, path: &str, allow: &'static str) -> Response {
    let mut r = Response::error(
        405,
        format!("{method} is not allowed on {path} (allowed: {allow})"),
        None,
    );
    r.allow = Some(allow);
    r
}

impl ControlPlane {
    /// The handler for `sim` (start the simulator with
    /// [`SimConfig::observe`](crate::sim::SimConfig::observe) for the messages, the store
    /// and the metrics; the sessions and the MO work either way).
    pub fn new(sim: SimHandle) -> ControlPlane {
        ControlPlane {
            sim,
            max_body: MAX_BODY,
        }
    }

    /// The same with another body limit.
    pub fn with_max_body(mut self, max_body: usize) -> ControlPlane {
        self.max_body = max_body;
        self
    }

    /// The largest body taken.
    pub fn max_body(&self) -> usize {
        self.max_body
    }

    /// The simulator it drives.
    pub fn simulator(&self) -> &SimHandle {
        &self.sim
    }

    /// Answers one request: `path` without the query, `query` the part after `?` (maybe
    /// empty), `body` as received (at most [`ControlPlane::max_body`] octets are read;
    /// pass a longer one and it is answered 413).
    pub fn handle(&self, method: &str, path: &str, query: &str, body: &[u8]) -> Response {
        if body.len() > self.max_body {
            return Response::error(
                413,
                format!("request body larger than {} octets", self.max_body),
                None,
            );
        }
        match self.route(method, path, query, body) {
            Ok(r) | Err(r) => r,
        }
    }

    /// [`ControlPlane::handle`] with the path and query in one (`/api/messages?limit=5`).
    pub fn handle_url(&self, method: &str, url: &str, body: &[u8]) -> Response {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        self.handle(method, path, query, body)
    }

    /// Serves the control plane on `addr` (`127.0.0.1:0` picks a free port).
    pub fn serve(self, addr: &str) -> std::io::Result<HttpServer> {
        HttpServer::start(addr, self)
    }

    fn route(&self, method: &str, path: &str, query: &str, body: &[u8]) -> Answer {
        let q = Query::parse(query)?;
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        match segments.as_slice() {
            [] | [""] => match method {
                "GET" | "HEAD" => {
                    q.only(&[])?;
                    Ok(Response {
                        status: 200,
                        content_type: "text/html; charset=utf-8",
                        body: DASHBOARD_HTML.as_bytes().to_vec(),
                        allow: None,
                    })
                }
                _ => Err(method_not_allowed(method, path, "GET")),
            },
            ["metrics"] => match method {
                "GET" | "HEAD" => {
                    q.only(&[])?;
                    let text = self.sim.metrics()?;
                    Ok(Response {
                        status: 200,
                        content_type: "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        body: text.into_bytes(),
                        allow: None,
                    })
                }
                _ => Err(method_not_allowed(method, path, "GET")),
            },
            ["api", "sessions"] => match method {
                "GET" => {
                    q.only(&[])?;
                    let sessions: Vec<Value> =
                        self.sim.sessions().iter().map(session_json).collect();
                    Ok(Response::json(200, &json!({"sessions": sessions})))
                }
                _ => Err(method_not_allowed(method, path, "GET")),
            },
            ["api", "sessions", id] => {
                let id = id
                    .parse::<u64>()
                    .map_err(|_| bad("id", format!("session id {id:?} is not a number")))?;
                match method {
                    "GET" => {
                        q.only(&[])?;
                        let s = self.sim.sessions().into_iter().find(|s| s.bind_id.0 == id);
                        match s {
                            Some(s) => Ok(Response::json(200, &session_json(&s))),
                            None => Err(Response::error(
                                404,
                                format!("no bound session {id}"),
                                Some("id"),
                            )),
                        }
                    }
                    "DELETE" => {
                        q.only(&["abort"])?;
                        let abort = q.bool("abort")?.unwrap_or(false);
                        if abort {
                            self.sim.abort(BindId(id))?;
                        } else {
                            self.sim.unbind(BindId(id))?;
                        }
                        let action = if abort { "abort" } else { "unbind" };
                        Ok(Response::json(
                            202,
                            &json!({"bind_id": id, "action": action}),
                        ))
                    }
                    _ => Err(method_not_allowed(method, path, "GET, DELETE")),
                }
            }
            ["api", "messages"] => match method {
                "GET" => {
                    q.only(&["account", "since", "limit"])?;
                    let query = MessageQuery {
                        account: q.get("account").filter(|a| !a.is_empty()).map(String::from),
                        since: q.number("since", u64::MAX)?,
                        limit: q
                            .number("limit", MAX_LIMIT as u64)?
                            .map(|n| usize::try_from(n).unwrap_or(MAX_LIMIT)),
                    };
                    let messages = self.sim.messages(&query)?;
                    let last = messages.last().map(|m| m.seq);
                    let list: Vec<Value> = messages.iter().map(message_json).collect();
                    Ok(Response::json(
                        200,
                        &json!({"messages": list, "last_seq": last}),
                    ))
                }
                _ => Err(method_not_allowed(method, path, "GET")),
            },
            ["api", "mo"] => match method {
                "POST" => {
                    q.only(&[])?;
                    let o = Body::parse(
                        body,
                        &[
                            "account", "bind_id", "from", "to", "text", "encoding", "split",
                        ],
                    )?;
                    let target = match (o.string("account")?, o.number("bind_id")?) {
                        (Some(a), None) => MoTarget::Account(a),
                        (None, Some(b)) => MoTarget::Bind(BindId(b)),
                        (Some(_), Some(_)) => {
                            return Err(bad("account", "give account or bind_id, not both"))
                        }
                        (None, None) => {
                            return Err(bad("account", "account or bind_id is missing"))
                        }
                    };
                    let encoding = match o.string("encoding")? {
                        Some(e) => e.parse::<TextEncoding>().map_err(|e| bad("encoding", e))?,
                        None => TextEncoding::Auto,
                    };
                    let split = match o.string("split")? {
                        Some(s) => s.parse::<Split>().map_err(|e| bad("split", e))?,
                        None => Split::Udh,
                    };
                    let mo = MoRequest {
                        target,
                        from: o.required("from")?,
                        to: o.required("to")?,
                        text: o.required("text")?,
                        encoding,
                        split,
                    };
                    let sent = self.sim.send_mo(&mo)?;
                    let ids: Vec<u64> = sent.deliveries.iter().map(|d| d.0).collect();
                    Ok(Response::json(
                        202,
                        &json!({"account": sent.account, "parts": ids.len(), "delivery_ids": ids}),
                    ))
                }
                _ => Err(method_not_allowed(method, path, "POST")),
            },
            ["api", "receipts"] => match method {
                "POST" => {
                    q.only(&[])?;
                    let o = Body::parse(body, &["message_id", "stat", "err"])?;
                    let message_id = o.required("message_id")?;
                    let stat_text = o.required("stat")?;
                    let stat = MessageState::from_receipt_stat(&stat_text).ok_or_else(|| {
                        bad(
                            "stat",
                            format!(
                                "unknown stat {stat_text:?} (DELIVRD, UNDELIV, EXPIRED, \
                                 REJECTD, DELETED, ACCEPTD, ENROUTE, UNKNOWN)"
                            ),
                        )
                    })?;
                    let err = match o.number("err")? {
                        Some(n) if n <= 999 => n as u16,
                        Some(_) => return Err(bad("err", "err must be 0 to 999")),
                        None => 0,
                    };
                    let sent = self.sim.send_receipt(&message_id, stat, err)?;
                    let ids: Vec<u64> = sent.deliveries.iter().map(|d| d.0).collect();
                    Ok(Response::json(
                        202,
                        &json!({"message_id": message_id, "account": sent.account, "stat": stat.receipt_stat(), "delivery_ids": ids, "text": sent.text}),
                    ))
                }
                _ => Err(method_not_allowed(method, path, "POST")),
            },
            ["api", "accounts"] => match method {
                "GET" => {
                    q.only(&[])?;
                    Ok(Response::json(
                        200,
                        &json!({"accounts": self.sim.accounts()}),
                    ))
                }
                _ => Err(method_not_allowed(method, path, "GET")),
            },
            ["api", "store"] => match method {
                "GET" => {
                    q.only(&[])?;
                    Ok(Response::json(200, &self.store_json()?))
                }
                _ => Err(method_not_allowed(method, path, "GET")),
            },
            _ => Err(Response::error(
                404,
                format!("no such endpoint: {path}"),
                None,
            )),
        }
    }

    fn store_json(&self) -> Result<Value, Response> {
        let pending = self.sim.pending()?;
        let depth = self.sim.store_depth();
        let total: usize = depth.iter().map(|(_, n)| n).sum();
        let accounts: Vec<Value> = depth
            .iter()
            .map(|(account, n)| {
                let list: Vec<Value> = pending
                    .iter()
                    .filter(|p| &p.account == account)
                    .map(|p| {
                        json!({"delivery_id": p.id.0, "kind": p.kind.to_string(), "message_id": p.message_id, "age_ms": u64::try_from(p.age.as_millis()).unwrap_or(u64::MAX), "retries": p.retries})
                    })
                    .collect();
                json!({"account": account, "depth": n, "pending": list})
            })
            .collect();
        Ok(json!({"depth": total, "accounts": accounts}))
    }
}

/// `t` as `YYYY-MM-DDThh:mm:ss.mmmZ`.
pub fn timestamp(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .unwrap_or_default()
}

fn per_command(p: &PerCommand) -> Value {
    let mut o = Map::new();
    for (id, n) in p.iter() {
        o.insert(id.name().unwrap_or("unknown").to_string(), n.into());
    }
    Value::Object(o)
}

/// A session as `GET /api/sessions` lists it.
pub fn session_json(s: &SessionStatus) -> Value {
    let c = &s.counters;
    json!({
        "bind_id": s.bind_id.0,
        "account": s.account,
        "bind_type": s.bind_type.to_string(),
        "state": s.state.to_string(),
        "peer": s.peer.to_string(),
        "connected_since": s.connected_since.map(timestamp),
        "counters": {
            "requests_received": per_command(&c.requests_received),
            "responses_sent": per_command(&c.responses_sent),
            "requests_sent": per_command(&c.requests_sent),
            "responses_received": per_command(&c.responses_received),
            "response_timeouts": c.response_timeouts,
            "invalid_pdus": c.invalid_pdus,
        },
        "window": {
            "outbound": {"in_flight": s.in_flight, "size": s.window},
            "inbound": {"unanswered": s.unanswered, "size": s.window},
        },
    })
}

/// A submitted message as `GET /api/messages` lists it.
pub fn message_json(m: &SubmittedMessage) -> Value {
    let receipt = match &m.receipt {
        ReceiptState::Sent {
            stat,
            err,
            delivery,
            outcome,
        } => {
            json!({"state": "sent", "stat": stat.receipt_stat(), "err": err, "delivery_id": delivery.map(|d| d.0), "outcome": outcome})
        }
        other => json!({"state": receipt_state_name(other)}),
    };
    json!({
        "seq": m.seq,
        "time": timestamp(m.time),
        "account": m.account,
        "bind_id": m.bind_id.0,
        "command": m.command.name().unwrap_or("unknown"),
        "message_id": m.message_id,
        "source": m.source,
        "destinations": m.destinations,
        "data_coding": m.data_coding,
        "text": m.text,
        "part": m.part.map(|p| json!({"reference": p.reference, "seq": p.seq, "total": p.total, "method": if p.udh { "udh" } else { "sar" }})),
        "reassembled": m.reassembled,
        "receipt": receipt,
    })
}

/// A query string, decoded.
struct Query(Vec<(String, String)>);

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `application/x-www-form-urlencoded` decoding (`+` is a space, `%XX` an octet).
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = hex_val(*b.get(i + 1)?)?;
                let lo = hex_val(*b.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

impl Query {
    fn parse(q: &str) -> Result<Query, Response> {
        let mut out = Vec::new();
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = percent_decode(k).ok_or_else(|| bad(k, "invalid percent-encoding"))?;
            let v = percent_decode(v).ok_or_else(|| bad(&k, "invalid percent-encoding"))?;
            out.push((k, v));
        }
        Ok(Query(out))
    }

    /// Refuses parameters not in `known`, and repeated ones.
    fn only(&self, known: &[&str]) -> Result<(), Response> {
        for (i, (k, _)) in self.0.iter().enumerate() {
            if !known.contains(&k.as_str()) {
                return Err(bad(k, format!("unknown query parameter {k:?}")));
            }
            if self.0[..i].iter().any(|(p, _)| p == k) {
                return Err(bad(k, format!("query parameter {k:?} given twice")));
            }
        }
        Ok(())
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(p, _)| p == k).map(|(_, v)| v.as_str())
    }

    fn number(&self, k: &'static str, max: u64) -> Result<Option<u64>, Response> {
        match self.get(k) {
            None | Some("") => Ok(None),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n <= max => Ok(Some(n)),
                _ => Err(bad(
                    k,
                    format!("{k} must be a whole number from 0 to {max}"),
                )),
            },
        }
    }

    fn bool(&self, k: &'static str) -> Result<Option<bool>, Response> {
        match self.get(k) {
            None | Some("") => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(v) => Err(bad(k, format!("{k} must be true or false, not {v:?}"))),
        }
    }
}

/// A JSON object request body.
struct Body(Map<String, Value>);

impl Body {
    fn parse(body: &[u8], known: &[&str]) -> Result<Body, Response> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(Response::error(
                400,
                "the request body is empty: a JSON object is expected",
                None,
            ));
        }
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| Response::error(400, format!("invalid JSON: {e}"), None))?;
        let Value::Object(o) = v else {
            return Err(Response::error(
                400,
                "the request body must be a JSON object",
                None,
            ));
        };
        if let Some(k) = o.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(bad(k, format!("unknown field {k:?}")));
        }
        Ok(Body(o))
    }

    fn string(&self, k: &'static str) -> Result<Option<String>, Response> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(k, format!("{k} must be a string"))),
        }
    }

    fn required(&self, k: &'static str) -> Result<String, Response> {
        self.string(k)?
            .ok_or_else(|| bad(k, format!("{k} is missing")))
    }

    fn number(&self, k: &'static str) -> Result<Option<u64>, Response> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| bad(k, format!("{k} must be a whole number"))),
        }
    }
}

/// The control plane on an HTTP server of its own: tiny_http, answered by two threads.
/// Dropping it (or [`HttpServer::stop`]) stops it.
pub struct HttpServer {
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer")
            .field("addr", &self.addr)
            .finish()
    }
}

/// The most of an oversized body read (and dropped) before the 413 answer.
const DRAIN_LIMIT: u64 = 1 << 20;

/// Threads answering HTTP requests.
const HTTP_THREADS: usize = 2;

impl HttpServer {
    /// Listens on `addr` and answers with `plane`.
    pub fn start(addr: &str, plane: ControlPlane) -> std::io::Result<HttpServer> {
        let server = tiny_http::Server::http(addr).map_err(std::io::Error::other)?;
        let local = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| std::io::Error::other("the HTTP server has no IP address"))?;
        let server = Arc::new(server);
        let mut threads = Vec::new();
        for i in 0..HTTP_THREADS {
            let server = server.clone();
            let plane = plane.clone();
            threads.push(
                std::thread::Builder::new()
                    .name(format!("smpp-http-{i}"))
                    .spawn(move || {
                        while let Ok(request) = server.recv() {
                            answer(&plane, request);
                        }
                    })?,
            );
        }
        Ok(HttpServer {
            server,
            addr: local,
            threads,
        })
    }

    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops answering and waits for the threads.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        self.server.unblock();
        for _ in 1..self.threads.len() {
            self.server.unblock();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.shut();
    }
}

/// Reads one request (its body up to the limit) and answers it.
fn answer(plane: &ControlPlane, mut request: tiny_http::Request) {
    let method = request.method().as_str().to_ascii_uppercase();
    let url = request.url().to_string();
    let limit = plane.max_body();
    let response = if request.body_length().is_some_and(|n| n > limit) {
        // Read (a bounded amount of) what the client is sending anyway, so that closing the
        // connection does not reset it before it reads the answer.
        let _ = std::io::copy(
            &mut request.as_reader().take(DRAIN_LIMIT),
            &mut std::io::sink(),
        );
        Response::error(
            413,
            format!("request body larger than {limit} octets"),
            None,
        )
    } else {
        let mut body = Vec::new();
        let read = request
            .as_reader()
            .take(limit as u64 + 1)
            .read_to_end(&mut body);
        match read {
            Ok(_) => plane.handle_url(&method, &url, &body),
            Err(e) => Response::error(400, format!("cannot read the request body: {e}"), None),
        }
    };
    let mut r = tiny_http::Response::from_data(if method == "HEAD" {
        Vec::new()
    } else {
        response.body
    })
    .with_status_code(response.status);
    let headers = [
        Some(("Content-Type", response.content_type)),
        Some(("Cache-Control", "no-store")),
        response.allow.map(|a| ("Allow", a)),
    ];
    for (k, v) in headers.into_iter().flatten() {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            r.add_header(h);
        }
    }
    // Refused before the body was read: the connection is closed after the answer.
    if response.status == 413 {
        if let Ok(h) = tiny_http::Header::from_bytes(&b"Connection"[..], &b"close"[..]) {
            r.add_header(h);
        }
    }
    if let Err(e) = request.respond(r) {
        log::debug!("HTTP answer to {url}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{SimConfig, Simulator};

    fn with_plane(f: impl FnOnce(&ControlPlane)) {
        smol::block_on(async {
            let sim = Simulator::start(SimConfig {
                listen: "127.0.0.1:0".into(),
                observe: true,
                ..SimConfig::default()
            })
            .await
            .unwrap();
            f(&ControlPlane::new(sim.handle()));
            sim.shutdown(std::time::Duration::from_secs(1)).await;
        });
    }

    fn json_of(r: &Response) -> Value {
        serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.text()))
    }

    #[test]
    fn routes_and_errors() {
        with_plane(|p| {
            let r = p.handle("GET", "/api/sessions", "", b"");
            assert_eq!(r.status, 200);
            assert_eq!(json_of(&r), json!({"sessions": []}));

            let r = p.handle("GET", "/", "", b"");
            assert_eq!(r.status, 200);
            assert!(r.content_type.starts_with("text/html"));
            assert!(r.text().contains("<form id=\"mo-form\""));

            let r = p.handle("GET", "/nope", "", b"");
            assert_eq!(r.status, 404);
            assert_eq!(json_of(&r)["field"], Value::Null);

            let r = p.handle("PUT", "/api/mo", "", b"{}");
            assert_eq!((r.status, r.allow), (405, Some("POST")));

            let r = p.handle("POST", "/api/mo", "", b"{not json");
            assert_eq!(r.status, 400);
            assert!(json_of(&r)["error"]
                .as_str()
                .unwrap()
                .starts_with("invalid JSON"));

            let r = p.handle(
                "POST",
                "/api/mo",
                "",
                br#"{"account":"smppclient1","from":"1","to":"2","text":"hi","colour":1}"#,
            );
            assert_eq!(
                (r.status, json_of(&r)["field"].clone()),
                (400, json!("colour"))
            );

            let r = p.handle(
                "POST",
                "/api/mo",
                "",
                br#"{"account":"nobody","from":"1","to":"2","text":"hi"}"#,
            );
            assert_eq!(
                (r.status, json_of(&r)["field"].clone()),
                (404, json!("account"))
            );

            let r = p.handle(
                "POST",
                "/api/mo",
                "",
                br#"{"account":"smppclient1","from":"","to":"2","text":"hi"}"#,
            );
            assert_eq!(
                (r.status, json_of(&r)["field"].clone()),
                (400, json!("from"))
            );

            let r = p.handle(
                "POST",
                "/api/mo",
                "",
                br#"{"account":"smppclient1","from":"1","to":"2","text":7}"#,
            );
            assert_eq!(
                (r.status, json_of(&r)["field"].clone()),
                (400, json!("text"))
            );

            let r = p.handle(
                "POST",
                "/api/mo",
                "",
                br#"{"account":"smppclient1","from":"1","to":"2","text":"x","encoding":"ebcdic"}"#,
            );
            assert_eq!(
                (r.status, json_of(&r)["field"].clone()),
                (400, json!("encoding"))
            );

            let big = vec![b' '; MAX_BODY + 1];
            assert_eq!(p.handle("POST", "/api/mo", "", &big).status, 413);

            let r = p.handle(
                "POST",
                "/api/receipts",
                "",
                br#"{"message_id":"ffff","stat":"UNDELIV"}"#,
            );
            assert_eq!(
                (r.status, json_of(&r)["field"].clone()),
                (404, json!("message_id"))
            );

            let r = p.handle(
                "POST",
                "/api/receipts",
                "",
                br#"{"message_id":"ffff","stat":"LOST"}"#,
            );
            assert_eq!(
                (r.status, json_of(&r)["field"].clone()),
                (400, json!("stat"))
            );

            let r = p.handle("DELETE", "/api/sessions/99", "", b"");
            assert_eq!((r.status, json_of(&r)["field"].clone()), (404, json!("id")));

            let r = p.handle("DELETE", "/api/sessions/x", "", b"");
            assert_eq!((r.status, json_of(&r)["field"].clone()), (400, json!("id")));

            let r = p.handle("DELETE", "/api/sessions/1", "abort=maybe", b"");
            assert_eq!(
                (r.status, json_of(&r)["field"].clone()),
                (400, json!("abort"))
            );

            let r = p.handle_url("GET", "/api/messages?limit=-1", b"");
            assert_eq!(
                (r.status, json_of(&r)["field"].clone()),
                (400, json!("limit"))
            );

            let r = p.handle_url("GET", "/api/messages?lmit=1", b"");
            assert_eq!(
                (r.status, json_of(&r)["field"].clone()),
                (400, json!("lmit"))
            );
        });
    }

    #[test]
    fn an_mo_to_an_unbound_account_waits_in_the_store() {
        with_plane(|p| {
            let r = p.handle(
                "POST",
                "/api/mo",
                "",
                br#"{"account":"smppclient1","from":"447700900001","to":"12345","text":"stored"}"#,
            );
            assert_eq!(r.status, 202, "{}", r.text());
            let sent = json_of(&r);
            assert_eq!(sent["parts"], 1);
            let id = sent["delivery_ids"][0].clone();
            let store = json_of(&p.handle("GET", "/api/store", "", b""));
            assert_eq!(store["depth"], 1, "{store}");
            assert_eq!(store["accounts"][0]["account"], "smppclient1");
            assert_eq!(store["accounts"][0]["pending"][0]["delivery_id"], id);
            assert_eq!(store["accounts"][0]["pending"][0]["kind"], "mo");
            let metrics = p.handle("GET", "/metrics", "", b"");
            assert_eq!(metrics.status, 200);
            assert!(
                metrics.text().contains("smpp_store_depth 1"),
                "{}",
                metrics.text()
            );
        });
    }

    #[test]
    fn query_strings_decode() {
        assert_eq!(percent_decode("a+b%21").as_deref(), Some("a b!"));
        assert_eq!(percent_decode("%zz"), None);
        let q = Query::parse("account=acme%20x&limit=5").unwrap_or_else(|_| panic!());
        assert_eq!(q.get("account"), Some("acme x"));
        assert_eq!(q.number("limit", 10).ok().flatten(), Some(5));
    }
}
