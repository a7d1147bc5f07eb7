//! One direction's octets cut into PDUs: buffered partial PDUs (at most one PDU long),
//! resynchronisation after an unknown start or a gap.

use smpp_core::framing::{frame, Framing};
use smpp_core::pdu::{CommandId, Header};
use smpp_core::wire::{DEFAULT_MAX_COMMAND_LENGTH, HEADER_LEN};

/// The largest `command_length` accepted.
pub const MAX_LEN: u32 = DEFAULT_MAX_COMMAND_LENGTH;

/// True when the first 16 octets look like an SMPP header: a length in 16..=[`MAX_LEN`], a
/// command id SMPP 3.4 defines, a sequence number at most 0x7FFFFFFF. `None`: fewer than 16
/// octets.
pub fn plausible_header(bytes: &[u8]) -> Option<u32> {
    let h = Header::parse(bytes)?;
    let ok = (HEADER_LEN as u32..=MAX_LEN).contains(&h.command_length)
        && !matches!(h.command_id, CommandId::Unknown(_))
        && h.sequence_number <= 0x7FFF_FFFF;
    ok.then_some(h.command_length)
}

/// What the framer finds.
pub enum Item<'a> {
    /// A whole PDU.
    Pdu {
        /// Its octets.
        bytes: &'a [u8],
        /// Its stream offset.
        offset: u64,
        /// The frame its first octet came in (approximately, for buffered PDUs).
        frame: u64,
    },
    /// An impossible `command_length` (the stream is resynchronised after it).
    BadLength {
        /// The stream offset.
        offset: u64,
        /// The frame.
        frame: u64,
        /// The error.
        error: String,
    },
}

/// One direction of a connection.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// Stream offset of `buf[0]` (or of the next octet when `buf` is empty).
    offset: u64,
    /// The frame of `buf[0]`.
    buf_frame: u64,
    /// False: scanning for a plausible header.
    synced: bool,
    /// Scanning starts right after a gap: the capture lost whole segments, so a plausible
    /// header there is taken at once (no wait for the following one).
    after_gap: bool,
    /// Octets passed over while scanning (or lost with a partial PDU at a gap).
    pub skipped: u64,
    /// Times the framer started scanning.
    pub resyncs: u64,
    /// Gaps seen and the octets they lost.
    pub gaps: u64,
    /// Octets lost in gaps.
    pub gap_octets: u64,
}

impl Framer {
    /// A framer; `synced` when the stream's start is known.
    pub fn new(synced: bool) -> Framer {
        Framer {
            synced,
            resyncs: u64::from(!synced),
            ..Framer::default()
        }
    }

    /// Octets buffered (a partial PDU or octets being scanned).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Feeds in-order octets; `sink` gets each PDU.
    pub fn push(&mut self, data: &[u8], frame_no: u64, sink: &mut impl FnMut(Item<'_>)) {
        let mut data = data;
        if !self.buf.is_empty() && self.synced {
            // Complete the buffered PDU from the new octets.
            if self.buf.len() < HEADER_LEN {
                let take = (HEADER_LEN - self.buf.len()).min(data.len());
                self.buf.extend_from_slice(&data[..take]);
                data = &data[take..];
            }
            if self.buf.len() >= HEADER_LEN {
                let len = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]])
                    as usize;
                let take = len.saturating_sub(self.buf.len()).min(data.len());
                self.buf.extend_from_slice(&data[..take]);
                data = &data[take..];
            }
            let mut buf = std::mem::take(&mut self.buf);
            let (offset, bf) = (self.offset, self.buf_frame);
            let used = self.run(&buf, offset, bf, bf, false, sink);
            self.offset += used as u64;
            buf.drain(..used);
            self.buf = buf;
            if self.synced {
                if !self.buf.is_empty() {
                    // Still partial: every new octet went into it.
                    return;
                }
            } else {
                self.buf.extend_from_slice(data);
                self.rescan(frame_no, sink);
                return;
            }
        }
        if self.buf.is_empty() {
            let offset = self.offset;
            let used = self.run(data, offset, frame_no, frame_no, false, sink);
            self.offset += used as u64;
            self.buf.extend_from_slice(&data[used..]);
            self.buf_frame = frame_no;
        } else {
            // Scanning with octets kept: scan them together with the new ones.
            self.buf.extend_from_slice(data);
            self.rescan(frame_no, sink);
        }
    }

    fn rescan(&mut self, frame_no: u64, sink: &mut impl FnMut(Item<'_>)) {
        let buf = std::mem::take(&mut self.buf);
        let (offset, bf) = (self.offset, self.buf_frame);
        let used = self.run(&buf, offset, bf, frame_no, false, sink);
        self.offset += used as u64;
        let mut buf = buf;
        buf.drain(..used);
        if used > 0 {
            self.buf_frame = frame_no;
        }
        self.buf = buf;
    }

    /// Octets lost: what is buffered is dropped and the framer scans again.
    pub fn gap(&mut self, len: u64) {
        self.skipped += self.buf.len() as u64;
        self.offset += self.buf.len() as u64 + len;
        self.buf.clear();
        self.gaps += 1;
        self.gap_octets += len;
        self.after_gap = true;
        if self.synced {
            self.resyncs += 1;
        }
        self.synced = false;
    }

    /// The stream ended: a candidate PDU waiting for the following header is taken; the
    /// octets left (a partial PDU) are returned as their count.
    pub fn finish(&mut self, sink: &mut impl FnMut(Item<'_>)) -> usize {
        if !self.synced && !self.buf.is_empty() {
            let buf = std::mem::take(&mut self.buf);
            let (offset, bf) = (self.offset, self.buf_frame);
            let used = self.run(&buf, offset, bf, bf, true, sink);
            self.offset += used as u64;
            self.buf = buf;
            self.buf.drain(..used);
        }
        let left = self.buf.len();
        self.buf.clear();
        left
    }

    /// Frames or scans `data` (at stream offset `base`); returns the octets consumed. The
    /// frame of an octet is `old_frame` before a PDU completes in this call, else `frame`
    /// (PDUs in one call are numbered with `old_frame` when they start at `data[0]`).
    fn run(
        &mut self,
        data: &[u8],
        base: u64,
        old_frame: u64,
        frame_no: u64,
        at_end: bool,
        sink: &mut impl FnMut(Item<'_>),
    ) -> usize {
        let mut pos = 0;
        loop {
            if self.synced {
                match frame(&data[pos..], MAX_LEN) {
                    Ok(Framing::Complete(n)) => {
                        let f = if pos == 0 { old_frame } else { frame_no };
                        sink(Item::Pdu {
                            bytes: &data[pos..pos + n],
                            offset: base + pos as u64,
                            frame: f,
                        });
                        pos += n;
                    }
                    Ok(Framing::Partial { .. }) => return pos,
                    Err(e) => {
                        let f = if pos == 0 { old_frame } else { frame_no };
                        sink(Item::BadLength {
                            offset: base + pos as u64,
                            frame: f,
                            error: e.to_string(),
                        });
                        self.synced = false;
                        self.resyncs += 1;
                        // Scanning resumes one octet further.
                        pos += 1;
                        self.skipped += 1;
                    }
                }
            } else {
                let rest = &data[pos..];
                if rest.len() < HEADER_LEN {
                    return pos;
                }
                if let Some(len) = plausible_header(rest) {
                    if std::mem::take(&mut self.after_gap) && pos == 0 {
                        self.synced = true;
                        continue;
                    }
                    let len = len as usize;
                    match rest.get(len..) {
                        Some(next)
                            if next.len() >= HEADER_LEN && plausible_header(next).is_some() =>
                        {
                            self.synced = true;
                            continue;
                        }
                        Some(next) if next.len() >= HEADER_LEN => {}
                        // Wait for the following header before deciding, unless the
                        // stream has ended.
                        _ if !at_end => return pos,
                        Some(_) => {
                            self.synced = true;
                            continue;
                        }
                        None => {}
                    }
                }
                self.after_gap = false;
                pos += 1;
                self.skipped += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENQ: [u8; 16] = [0, 0, 0, 16, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 1];

    fn offsets(f: &mut Framer, data: &[u8]) -> Vec<u64> {
        let mut out = Vec::new();
        f.push(data, 1, &mut |i| {
            if let Item::Pdu { offset, .. } = i {
                out.push(offset)
            }
        });
        out
    }

    #[test]
    fn plausible_headers() {
        assert_eq!(plausible_header(&ENQ), Some(16));
        assert_eq!(plausible_header(&ENQ[..15]), None);
        assert_eq!(plausible_header(b"GET / HTTP/1.1\r\nHost"), None);
    }

    #[test]
    fn scanning_skips_garbage_and_waits_for_the_next_header() {
        let mut f = Framer::new(false);
        let mut data = vec![0xAA; 5];
        data.extend(ENQ);
        // One PDU: the following header is not there yet, so nothing is decided.
        assert!(offsets(&mut f, &data).is_empty());
        assert_eq!(offsets(&mut f, &ENQ), [5, 21]);
        assert_eq!(f.skipped, 5);
        assert_eq!(f.buffered(), 0);
    }

    #[test]
    fn a_bad_length_resynchronises() {
        let mut f = Framer::new(true);
        let mut data = vec![0xFF; 4];
        data.extend(ENQ);
        data.extend(ENQ);
        let mut bad = 0;
        let mut pdus = Vec::new();
        f.push(&data, 1, &mut |i| match i {
            Item::Pdu { offset, .. } => pdus.push(offset),
            Item::BadLength { offset, .. } => {
                assert_eq!(offset, 0);
                bad += 1
            }
        });
        assert_eq!((bad, pdus, f.skipped), (1, vec![4, 20], 4));
    }
}
