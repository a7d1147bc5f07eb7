//! PDU trace helpers: a one-line decoded summary and a hex dump of any PDU, with passwords
//! redacted in both, and the runtime adapters' trace setting ([`Trace`], [`TraceEvent`]).
//! Nothing here prints: the adapters log or call back.
//!
//! ```
//! use smpp_core::trace::{redacted_hex, summary};
//! let bind = smpp_core::pdu::Pdu::new(1, smpp_core::Body::BindTransceiver(
//!     smpp_core::pdu::Bind::new("smp1", "qwe123")));
//! let mut buf = [0u8; 64];
//! let n = bind.encode(&mut buf).unwrap();
//! let line = format!("{}", summary(&buf[..n]));
//! assert!(line.contains("system_id=smp1") && !line.contains("qwe123"));
//! assert!(!format!("{}", redacted_hex(&buf[..n])).contains("717765313233"));
//! ```

use crate::codec::Field;
use crate::pdu::{Body, CommandId, DisplayBytes, Header, Pdu, HEADER_LEN};
use core::fmt;

/// Which way a PDU travelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Received from the peer.
    In,
    /// Sent to the peer.
    Out,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::In => "<-",
            Direction::Out => "->",
        })
    }
}

/// The octet range of the password in a `bind_*` or `outbind` PDU, if it has one.
pub fn password_range(pdu: &[u8]) -> Option<core::ops::Range<usize>> {
    let header = Header::parse(pdu)?;
    if !(header.command_id.is_bind() || header.command_id == CommandId::Outbind) {
        return None;
    }
    let body = pdu.get(HEADER_LEN..)?;
    let sys_end = body.iter().position(|&b| b == 0)? + 1;
    let rest = body.get(sys_end..)?;
    let pw_len = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let start = HEADER_LEN + sys_end;
    Some(start..start + pw_len)
}

/// Lowercase hex of a PDU with the password octets shown as `**` each.
pub fn redacted_hex(pdu: &[u8]) -> RedactedHex<'_> {
    RedactedHex {
        pdu,
        hide: password_range(pdu).unwrap_or(0..0),
    }
}

/// See [`redacted_hex`].
pub struct RedactedHex<'a> {
    pdu: &'a [u8],
    hide: core::ops::Range<usize>,
}

impl fmt::Display for RedactedHex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.pdu.iter().enumerate() {
            if self.hide.contains(&i) {
                f.write_str("**")?;
            } else {
                write!(f, "{b:02x}")?;
            }
        }
        Ok(())
    }
}

/// A one-line summary of a PDU: command, sequence number, status, and its key fields
/// (never the password). A PDU that parses only thanks to the default options' tolerances
/// ends with ` lenient: ...`, the field at fault and why
/// ([`lenient_warning`](crate::pdu::lenient_warning)).
pub fn summary(pdu: &[u8]) -> Summary<'_> {
    Summary(pdu)
}

/// See [`summary`].
pub struct Summary<'a>(&'a [u8]);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(h) = Header::parse(self.0) else {
            return write!(f, "incomplete PDU ({} octets)", self.0.len());
        };
        write!(f, "{} seq={}", h.command_id, h.sequence_number)?;
        if h.command_id.is_response() || !h.command_status.is_ok() {
            write!(f, " status={}", h.command_status)?;
        }
        let opts = crate::pdu::ParseOptions {
            max_command_length: u32::MAX,
            ..Default::default()
        };
        let pdu = match Pdu::parse_with(self.0, &opts) {
            Ok(p) => p,
            Err(e) => return write!(f, " invalid: {e}"),
        };
        fields(f, &pdu)?;
        match crate::pdu::lenient_warning(self.0, &opts) {
            Some(w) => write!(f, " lenient: {w}"),
            None => Ok(()),
        }
    }
}

/// The key fields of `pdu` for [`Summary`].
fn fields(f: &mut fmt::Formatter<'_>, pdu: &Pdu<'_>) -> fmt::Result {
    let s = DisplayBytes;
    match pdu.body {
        Body::BindReceiver(b) | Body::BindTransmitter(b) | Body::BindTransceiver(b) => write!(
            f,
            " system_id={} password=*** system_type={} interface_version=0x{:02x}",
            s(b.system_id),
            s(b.system_type),
            b.interface_version
        ),
        Body::BindReceiverResp(b) | Body::BindTransmitterResp(b) | Body::BindTransceiverResp(b) => {
            write!(f, " system_id={}", s(b.system_id))
        }
        Body::Outbind(b) => write!(f, " system_id={} password=***", s(b.system_id)),
        Body::SubmitSm(m) | Body::DeliverSm(m) => write!(
            f,
            " {}={} {}={} esm_class=0x{:02x} data_coding=0x{:02x} registered_delivery={} sm_length={} tlvs={}",
            Field::SourceAddr,
            s(m.source.addr),
            Field::DestinationAddr,
            s(m.destination.addr),
            m.esm_class.0,
            m.data_coding.0,
            m.registered_delivery.0,
            m.short_message.len(),
            m.tlvs.len()
        ),
        Body::SubmitSmResp(r) | Body::DeliverSmResp(r) | Body::DataSmResp(r) => {
            write!(f, " message_id={}", s(r.message_id))
        }
        Body::DataSm(m) => write!(
            f,
            " source_addr={} destination_addr={} tlvs={}",
            s(m.source.addr),
            s(m.destination.addr),
            m.tlvs.len()
        ),
        Body::SubmitMulti(m) => write!(
            f,
            " source_addr={} number_of_dests={} sm_length={}",
            s(m.source.addr),
            m.dest_addresses.len(),
            m.short_message.len()
        ),
        Body::SubmitMultiResp(r) => write!(
            f,
            " message_id={} no_unsuccess={}",
            s(r.message_id),
            r.unsuccess_smes.len()
        ),
        Body::QuerySm(q) => write!(f, " message_id={}", s(q.message_id)),
        Body::QuerySmResp(q) => write!(
            f,
            " message_id={} message_state={}",
            s(q.message_id),
            q.message_state
        ),
        Body::CancelSm(c) => write!(f, " message_id={}", s(c.message_id)),
        Body::ReplaceSm(r) => write!(f, " message_id={}", s(r.message_id)),
        Body::AlertNotification(a) => write!(
            f,
            " source_addr={} esme_addr={}",
            s(a.source.addr),
            s(a.esme.addr)
        ),
        Body::BroadcastSm(b) => write!(
            f,
            " source_addr={} areas={} data_coding=0x{:02x} tlvs={}",
            s(b.source.addr),
            b.tlvs.broadcast_area_identifiers().count(),
            b.data_coding.0,
            b.tlvs.len()
        ),
        Body::BroadcastSmResp(r) => write!(f, " message_id={}", s(r.message_id)),
        Body::QueryBroadcastSm(q) => write!(f, " message_id={}", s(q.message_id)),
        Body::QueryBroadcastSmResp(q) => write!(f, " message_id={}", s(q.message_id)),
        Body::CancelBroadcastSm(c) => write!(f, " message_id={}", s(c.message_id)),
        _ => Ok(()),
    }
}

/// A trace callback (see [`Trace::Callback`]).
#[cfg(feature = "alloc")]
pub type TraceFn = dyn Fn(&TraceEvent<'_>) + Send + Sync;

/// What a runtime adapter does with PDU traces (its `trace` setting).
#[cfg(feature = "alloc")]
#[derive(Clone, Default)]
pub enum Trace {
    /// No tracing (the default).
    #[default]
    Off,
    /// Through the `log` facade: target `"smpp::trace"`, level `Debug`, one line per PDU:
    /// `"{peer} {dir} {summary} | {redacted_hex}"` (the [`TraceEvent`]'s `Display`).
    Log,
    /// A user callback, called for every PDU in both directions: by the smol adapter from
    /// the connection's task, by the blocking adapter on the connection's reader thread
    /// (received PDUs) and writer thread (sent PDUs). Keep it short.
    Callback(alloc::sync::Arc<TraceFn>),
}

#[cfg(feature = "alloc")]
impl Trace {
    /// A callback trace.
    pub fn callback(f: impl Fn(&TraceEvent<'_>) + Send + Sync + 'static) -> Trace {
        Trace::Callback(alloc::sync::Arc::new(f))
    }
}

#[cfg(feature = "alloc")]
impl fmt::Debug for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Trace::Off => "Off",
            Trace::Log => "Log",
            Trace::Callback(_) => "Callback(..)",
        })
    }
}

/// One traced PDU. Its [`Display`](fmt::Display) is the [`Trace::Log`] line:
/// `"{peer} {dir} {summary} | {redacted_hex}"` (`-` for an unknown peer).
pub struct TraceEvent<'a> {
    /// Which way the PDU travelled.
    pub direction: Direction,
    /// The remote address, when the transport has one.
    pub peer: Option<core::net::SocketAddr>,
    /// The whole PDU's octets (header included), as on the wire: the password is still
    /// inside; use [`TraceEvent::summary`] and [`TraceEvent::hex`] to print it.
    pub pdu: &'a [u8],
}

impl TraceEvent<'_> {
    /// A one-line decoded summary (command, sequence number, status, key fields; never the
    /// password).
    pub fn summary(&self) -> impl fmt::Display + '_ {
        summary(self.pdu)
    }

    /// The PDU in lowercase hex with the password octets shown as `**`.
    pub fn hex(&self) -> impl fmt::Display + '_ {
        redacted_hex(self.pdu)
    }
}

impl fmt::Display for TraceEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.peer {
            Some(p) => write!(f, "{p}")?,
            None => f.write_str("-")?,
        }
        write!(f, " {} {} | {}", self.direction, self.summary(), self.hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_password_is_hidden() {
        // bind_transceiver from a real gateway log: system_id smp1, password qwe123
        let hex = "00000030000000090000000000000001736D703100717765313233004F5A454B493130003401012B3030303030303000";
        let bytes: std::vec::Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(password_range(&bytes), Some(21..27));
        let h = redacted_hex(&bytes).to_string();
        assert!(h.starts_with("00000030"));
        assert!(h.contains("736d703100************00"));
        let s = summary(&bytes).to_string();
        assert_eq!(
            s,
            "bind_transceiver seq=1 system_id=smp1 password=*** system_type=OZEKI10 interface_version=0x34"
        );
        assert_eq!(summary(&[0, 0]).to_string(), "incomplete PDU (2 octets)");
    }

    #[test]
    fn broadcast_sm_summary() {
        use crate::pdu::{Address, BroadcastSm, Tlv, TlvTag, Tlvs};
        let tlvs = [
            Tlv::octets(TlvTag::BROADCAST_AREA_IDENTIFIER, b"\x00Dublin"),
            Tlv::octets(TlvTag::BROADCAST_AREA_IDENTIFIER, b"\x00Cork"),
            Tlv::octets(TlvTag::BROADCAST_CONTENT_TYPE, &[1, 0, 1]),
            Tlv::u16(TlvTag::BROADCAST_REP_NUM, 1),
            Tlv::octets(TlvTag::BROADCAST_FREQUENCY_INTERVAL, &[9, 0, 1]),
        ];
        let pdu = Pdu::new(
            7,
            Body::BroadcastSm(BroadcastSm {
                source: Address::alphanumeric("Alerts"),
                tlvs: Tlvs::from_slice(&tlvs),
                ..Default::default()
            }),
        );
        let mut buf = [0u8; 128];
        let n = pdu.encode(&mut buf).unwrap();
        assert_eq!(
            summary(&buf[..n]).to_string(),
            "broadcast_sm seq=7 source_addr=Alerts areas=2 data_coding=0x00 tlvs=5"
        );
    }

    #[test]
    fn lenient_warning_in_the_summary() {
        // bind_transmitter with a 9-character password: accepted, flagged, still hidden.
        let mut pdu = std::vec::Vec::from(&[0u8, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3][..]);
        pdu.extend_from_slice(b"acme\0password9\0\0\x34\0\0\0");
        let len = pdu.len() as u32;
        pdu[..4].copy_from_slice(&len.to_be_bytes());
        let s = summary(&pdu).to_string();
        assert_eq!(
            s,
            "bind_transmitter seq=3 system_id=acme password=*** system_type= interface_version=0x34 \
             lenient: password has no terminating NUL within its maximum of 9 octets"
        );
        assert!(!redacted_hex(&pdu)
            .to_string()
            .contains("70617373776f726439"));
    }
}
