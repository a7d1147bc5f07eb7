//! A custom event loop: drives the sans-IO `smpp_core::session::Session` directly over a
//! non-blocking `std::net::TcpStream`, with no runtime and no extra threads. It binds as a
//! transceiver, submits one message, and unbinds.
//!
//! ```text
//! custom_loop [ADDR] [SYSTEM_ID] [PASSWORD]    (defaults: 127.0.0.1:2775 smppclient1 password)
//! custom_loop --self-test                      (against an in-process smpp_blocking::Server)
//! ```
//!
//! The contract shown here: write what `poll_transmit` offers (and `advance_transmit` by what
//! was written); read only while `wants_input`; call `handle_timeout` once `poll_timeout` is
//! due; drain `poll_event` after every step; sleep until the next deadline. (`std` has no
//! readiness poller, so the sleep is also capped at a few milliseconds to notice input.)
//! Exit status 0 on success, 1 on failure.

use smpp_blocking::core::pdu::{Address, Bind, Body, MessageIdResp, SubmitSm};
use smpp_blocking::core::session::{BindType, CloseReason, Event, Session, SessionConfig};
use smpp_blocking::core::{CommandStatus, Instant};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

/// Longest sleep between two looks at the socket.
const POLL: Duration = Duration::from_millis(2);

fn run(addr: SocketAddr, system_id: &str, password: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nonblocking(true).map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    let epoch = std::time::Instant::now();
    let now = || Instant::from_elapsed(epoch.elapsed());
    let give_up = epoch + Duration::from_secs(30);

    let mut session = Session::new(SessionConfig::esme(), now());
    session
        .bind(
            now(),
            BindType::Transceiver,
            &Bind::new(system_id, password),
        )
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; 4096];
    let mut submit_seq = None;
    let mut message_id = None;
    loop {
        let mut busy = false;
        // Write what the session produced.
        while let Some(out) = session.poll_transmit() {
            match stream.write(out) {
                Ok(n) => {
                    session.advance_transmit(n);
                    busy = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return Err(format!("write: {e}")),
            }
        }
        // Read while the session wants input (it stops when the peer does not read ours).
        if session.wants_input() {
            match stream.read(&mut buf) {
                Ok(0) => session.handle_eof(now()),
                Ok(n) => {
                    session.handle_input(now(), &buf[..n]);
                    busy = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => session.handle_eof(now()),
            }
        }
        // Timers.
        if session.poll_timeout().is_some_and(|t| t <= now()) {
            session.handle_timeout(now());
        }
        // Events.
        while let Some(ev) = session.poll_event() {
            busy = true;
            match ev {
                Event::Bound { bind_type, .. } => {
                    println!("bound ({bind_type})");
                    let submit = Body::SubmitSm(SubmitSm {
                        source: Address::alphanumeric("loop"),
                        destination: Address::international("447700900123"),
                        short_message: b"Hello from a hand-written event loop",
                        ..Default::default()
                    });
                    submit_seq = Some(session.send(now(), &submit).map_err(|e| e.to_string())?);
                }
                Event::BindFailed { status } => return Err(format!("bind failed: {status:?}")),
                Event::Response { frame, rtt, .. }
                    if Some(frame.sequence_number()) == submit_seq =>
                {
                    let id = match frame.pdu().map(|p| p.body) {
                        Ok(Body::SubmitSmResp(r)) => String::from_utf8_lossy(r.message_id).into(),
                        _ => String::new(),
                    };
                    println!(
                        "submit_sm_resp: {:?} message_id={id} rtt={rtt}",
                        frame.command_status()
                    );
                    if !frame.command_status().is_ok() {
                        return Err(format!("submit refused: {:?}", frame.command_status()));
                    }
                    message_id = Some(id);
                    session.unbind(now()).map_err(|e| e.to_string())?;
                }
                Event::ResponseTimeout { .. } => return Err("no response in time".into()),
                Event::RequestFailed { reason, .. } => return Err(format!("failed: {reason}")),
                Event::Request {
                    frame,
                    auto_responded: false,
                } => {
                    // A deliver_sm (receipt or MO message) arrived meanwhile: acknowledge.
                    let seq = frame.sequence_number();
                    let resp = Body::DeliverSmResp(MessageIdResp::EMPTY);
                    let _ = session.respond(now(), seq, CommandStatus::ESME_ROK, &resp);
                }
                Event::Closed { reason } => {
                    // Flush what is left (the unbind_resp, say) before closing the socket.
                    stream.set_nonblocking(false).map_err(|e| e.to_string())?;
                    while let Some(out) = session.poll_transmit() {
                        let n = stream.write(out).map_err(|e| e.to_string())?;
                        session.advance_transmit(n);
                    }
                    println!("closed: {reason}");
                    return match (reason, message_id) {
                        (CloseReason::Unbound, Some(id)) => Ok(id),
                        _ => Err(format!("closed early: {reason}")),
                    };
                }
                _ => {}
            }
        }
        if std::time::Instant::now() > give_up {
            return Err("gave up after 30 s".into());
        }
        if !busy {
            let next = session.poll_timeout().map_or(POLL, |t| {
                Duration::from_millis(t.as_millis().saturating_sub(now().as_millis()))
            });
            std::thread::sleep(next.min(POLL));
        }
    }
}

/// Runs the loop against a `smpp_blocking::Server` on 127.0.0.1:0 in this process.
fn self_test() -> Result<(), String> {
    use smpp_blocking::core::Frame;
    use smpp_blocking::{BindRequest, Reply, RequestContext, Server, ServerConfig, ServerEvent};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let submits = Arc::new(AtomicUsize::new(0));
    let counted = submits.clone();
    let server = Server::bind(
        "127.0.0.1:0",
        ServerConfig::default(),
        |req: &BindRequest| {
            if req.password == "pw" {
                Ok(())
            } else {
                Err(CommandStatus::ESME_RINVPASWD)
            }
        },
        move |_ctx: &RequestContext, _req: &Frame| {
            counted.fetch_add(1, Ordering::SeqCst);
            Reply::ok_message_id("selftest-1")
        },
    )
    .map_err(|e| e.to_string())?;
    let events = server.events();
    let id = run(server.local_addr(), "selftest", "pw")?;
    let closed = events
        .iter()
        .find(|e| matches!(e, ServerEvent::Closed { .. }));
    server.shutdown(Duration::from_secs(1));
    if id != "selftest-1" {
        return Err(format!("unexpected message id {id:?}"));
    }
    if submits.load(Ordering::SeqCst) != 1 {
        return Err("the server did not see exactly one submit_sm".into());
    }
    match closed {
        Some(ServerEvent::Closed {
            reason: CloseReason::PeerUnbound,
            ..
        }) => Ok(()),
        other => Err(format!("server saw {other:?}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("--self-test") {
        self_test().map(|()| println!("self-test passed"))
    } else {
        let arg = |i: usize, d: &str| args.get(i).cloned().unwrap_or_else(|| d.into());
        let addr = arg(0, "127.0.0.1:2775");
        match addr.to_socket_addrs().ok().and_then(|mut a| a.next()) {
            Some(a) => run(a, &arg(1, "smppclient1"), &arg(2, "password")).map(|_| ()),
            None => Err(format!("cannot resolve {addr}")),
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("custom_loop: {e}");
            ExitCode::from(1)
        }
    }
}
