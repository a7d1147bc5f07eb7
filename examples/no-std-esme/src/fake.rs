//! An in-memory SMSC for tests and the host demo: a fixed-capacity session in the SMSC role
//! behind the [`Link`] trait, with simulated time (waiting jumps the clock to the deadline).
//! Like the ESME, it allocates nothing.

use crate::Link;
use smpp_core::pdu::{Body, MessageIdResp};
use smpp_core::session::{Event, Fixed, Session, SessionConfig};
use smpp_core::{CommandId, CommandStatus, Duration, Instant};

/// The SMSC side's capacities.
type SmscStorage = Fixed<4, 1024, 8, 4096, 4096, 1024, 4>;

/// How the fake SMSC behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Behaviour {
    /// Reject the bind with `ESME_RBINDFAIL`.
    pub reject_bind: bool,
    /// Send an `enquire_link` once bound, before answering the submit_sm.
    pub enquire_link: bool,
    /// Answer submit_sm (false: never answer it).
    pub answer_submit: bool,
    /// The status of the submit_sm_resp.
    pub submit_status: CommandStatus,
}

impl Default for Behaviour {
    /// Accept the bind and answer the submit with `ESME_ROK` and message id `msg-1`.
    fn default() -> Behaviour {
        Behaviour {
            reject_bind: false,
            enquire_link: false,
            answer_submit: true,
            submit_status: CommandStatus::ESME_ROK,
        }
    }
}

/// The fake SMSC: a [`Link`] whose far end is an SMSC session.
pub struct FakeSmsc {
    smsc: Session<SmscStorage>,
    behaviour: Behaviour,
    now: Instant,
    /// The submit_sm requests received.
    pub submits: u32,
    /// The destination of the last submit_sm (up to 21 octets).
    pub last_destination: heapless::Vec<u8, 21>,
    /// The SMSC's enquire_link requests that were answered.
    pub enquire_links_answered: u32,
    enquire_sent: bool,
}

impl FakeSmsc {
    /// A fake SMSC at time zero.
    pub fn new(behaviour: Behaviour) -> FakeSmsc {
        let config = SessionConfig {
            enquire_link_interval: None,
            inactivity_timeout: None,
            ..SessionConfig::smsc()
        };
        FakeSmsc {
            smsc: Session::new_in(config, Instant::ZERO),
            behaviour,
            now: Instant::ZERO,
            submits: 0,
            last_destination: heapless::Vec::new(),
            enquire_links_answered: 0,
            enquire_sent: false,
        }
    }

    /// The simulated time.
    pub fn time(&self) -> Instant {
        self.now
    }

    /// Handles the SMSC session's events as the behaviour says.
    fn serve(&mut self) {
        let now = self.now;
        while let Some(event) = self.smsc.poll_event() {
            match event {
                Event::BindRequest { .. } => {
                    if self.behaviour.reject_bind {
                        let _ = self.smsc.reject_bind(now, CommandStatus::ESME_RBINDFAIL);
                    } else {
                        let _ = self.smsc.accept_bind(now, b"fake-smsc", Some(0x34));
                        if self.behaviour.enquire_link && !self.enquire_sent {
                            self.enquire_sent = true;
                            let _ = self.smsc.send(now, &Body::EnquireLink);
                        }
                    }
                }
                Event::Request { frame, .. } if frame.command_id() == CommandId::SubmitSm => {
                    self.submits += 1;
                    if let Ok(smpp_core::Pdu {
                        body: Body::SubmitSm(sm),
                        ..
                    }) = frame.pdu()
                    {
                        self.last_destination.clear();
                        let d = sm.destination.addr;
                        let _ = self
                            .last_destination
                            .extend_from_slice(&d[..d.len().min(21)]);
                    }
                    if self.behaviour.answer_submit {
                        let _ = self.smsc.respond(
                            now,
                            frame.sequence_number(),
                            self.behaviour.submit_status,
                            &Body::SubmitSmResp(MessageIdResp::new(b"msg-1")),
                        );
                    }
                }
                Event::Response {
                    request: CommandId::EnquireLink,
                    ..
                } => {
                    self.enquire_links_answered += 1;
                }
                _ => {}
            }
        }
    }
}

impl Link for FakeSmsc {
    fn write(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.smsc.receive_capacity());
        self.smsc.handle_input(self.now, &data[..n]);
        self.serve();
        n
    }

    fn read(&mut self, buf: &mut [u8]) -> Option<usize> {
        self.serve();
        match self.smsc.poll_transmit() {
            Some(out) => {
                let n = out.len().min(buf.len());
                buf[..n].copy_from_slice(&out[..n]);
                self.smsc.advance_transmit(n);
                Some(n)
            }
            None if self.smsc.is_closed() => None,
            None => Some(0),
        }
    }

    fn now(&mut self) -> Instant {
        self.now
    }

    fn wait(&mut self, deadline: Option<Instant>) -> Instant {
        let next = self
            .smsc
            .poll_timeout()
            .into_iter()
            .chain(deadline)
            .min()
            .unwrap_or(self.now + Duration::from_secs(1));
        self.now = self.now.max(next);
        self.smsc.handle_timeout(self.now);
        self.serve();
        self.now
    }
}
