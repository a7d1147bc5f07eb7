//! pcap and pcapng files (pcap-parser's streaming readers), frame by frame.

use super::CaptureError;
use pcap_parser::pcapng::Block;
use pcap_parser::traits::{PcapNGPacketBlock, PcapReaderIterator};
use pcap_parser::{LegacyPcapReader, PcapBlockOwned, PcapError, PcapNGReader};
use std::cell::RefCell;
use std::io::{self, Read};
use std::rc::Rc;
use std::time::Duration;

/// The reader's buffer at first; it grows for larger blocks up to `MAX_BLOCK`.
const INITIAL_BUFFER: usize = 1 << 16;
const MAX_BLOCK: usize = 1 << 26;

/// A reader that keeps its I/O error (pcap-parser reports only `ReadError`).
struct KeepErr<R> {
    inner: R,
    err: Rc<RefCell<Option<io::Error>>>,
}

impl<R: Read> Read for KeepErr<R> {
    /// Fills `buf` as far as the input goes (pcap-parser's readers parse the file header
    /// from their first read).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match self.inner.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if n > 0 {
                        // Hand on what was read; the error comes again on the next read.
                        *self.err.borrow_mut() = Some(e);
                        return Ok(n);
                    }
                    let copy = io::Error::new(e.kind(), e.to_string());
                    *self.err.borrow_mut() = Some(e);
                    return Err(copy);
                }
            }
        }
        if n == 0 {
            if let Some(e) = self.err.borrow().as_ref() {
                return Err(io::Error::new(e.kind(), e.to_string()));
            }
        }
        Ok(n)
    }
}

/// One captured frame.
pub(crate) struct Frame<'a> {
    pub ts: Duration,
    pub link_type: u32,
    pub data: &'a [u8],
}

struct Iface {
    link_type: u32,
    /// Units per second.
    resolution: u64,
    offset_secs: i64,
}

fn pcapng_ts(ts_high: u32, ts_low: u32, iface: &Iface) -> Duration {
    let units = (u64::from(ts_high) << 32) | u64::from(ts_low);
    let res = iface.resolution.max(1);
    let secs = units / res;
    let nanos = (u128::from(units % res) * 1_000_000_000 / u128::from(res)) as u32;
    let secs = secs.saturating_add_signed(iface.offset_secs);
    Duration::new(secs, nanos)
}

/// Reads every frame of a pcap or pcapng stream, in order. A pcap file whose link type is
/// not `supported` is an error; frames of pcapng interfaces with unsupported link types
/// are passed on too (the caller skips them).
pub(crate) fn read_frames<R: Read>(
    mut reader: R,
    supported: impl Fn(u32) -> bool,
    mut on_frame: impl FnMut(Frame<'_>),
) -> Result<(), CaptureError> {
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match reader.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(CaptureError::Io(e)),
        }
    }
    if got == 0 {
        return Err(CaptureError::Format {
            offset: 0,
            reason: "empty file".into(),
        });
    }
    if got < 4 {
        return Err(CaptureError::Truncated {
            offset: 0,
            what: "file header".into(),
        });
    }
    let err = Rc::new(RefCell::new(None));
    let src = KeepErr {
        inner: io::Cursor::new(magic).chain(reader),
        err: err.clone(),
    };
    let le = u32::from_le_bytes(magic);
    let ng = match le {
        0x0a0d_0d0a => true,
        0xa1b2_c3d4 | 0xd4c3_b2a1 | 0xa1b2_3c4d | 0x4d3c_b2a1 | 0xa1b2_cd34 | 0x34cd_b2a1 => false,
        _ => {
            return Err(CaptureError::Format {
                offset: 0,
                reason: format!("not a pcap or pcapng file (magic {le:#010x})"),
            })
        }
    };
    let map_open = |e: PcapError<&[u8]>| match e {
        PcapError::ReadError => CaptureError::Io(take_err(&err)),
        PcapError::Incomplete(_) | PcapError::UnexpectedEof | PcapError::Eof => {
            CaptureError::Truncated {
                offset: 0,
                what: "file header".into(),
            }
        }
        e => CaptureError::Format {
            offset: 0,
            reason: format!("bad file header: {e}"),
        },
    };
    let mut rdr: Box<dyn PcapReaderIterator> = if ng {
        Box::new(PcapNGReader::new(INITIAL_BUFFER, src).map_err(map_open)?)
    } else {
        Box::new(LegacyPcapReader::new(INITIAL_BUFFER, src).map_err(map_open)?)
    };
    let mut capacity = INITIAL_BUFFER;
    let mut legacy_link = 0u32;
    let mut legacy_nanos = false;
    let mut ifaces: Vec<Iface> = Vec::new();
    let mut last_ts = Duration::ZERO;
    loop {
        let offset = rdr.consumed() as u64;
        match rdr.next() {
            Ok((len, block)) => {
                match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy_link = h.network.0 as u32;
                        legacy_nanos = h.is_nanosecond_precision();
                        if !supported(legacy_link) {
                            return Err(CaptureError::UnsupportedLinkType {
                                link_type: legacy_link,
                            });
                        }
                    }
                    PcapBlockOwned::Legacy(b) => {
                        let sub = if legacy_nanos {
                            b.ts_usec
                        } else {
                            b.ts_usec.saturating_mul(1000)
                        };
                        let ts = Duration::from_secs(u64::from(b.ts_sec))
                            + Duration::from_nanos(u64::from(sub));
                        last_ts = ts;
                        let n = (b.caplen as usize).min(b.data.len());
                        on_frame(Frame {
                            ts,
                            link_type: legacy_link,
                            data: &b.data[..n],
                        });
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => ifaces.clear(),
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => ifaces.push(Iface {
                        link_type: idb.linktype.0 as u32,
                        resolution: idb.ts_resolution().unwrap_or(1_000_000),
                        offset_secs: idb.ts_offset(),
                    }),
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        let Some(iface) = ifaces.get(epb.if_id as usize) else {
                            return Err(CaptureError::Format {
                                offset,
                                reason: format!("packet on undeclared interface {}", epb.if_id),
                            });
                        };
                        let ts = pcapng_ts(epb.ts_high, epb.ts_low, iface);
                        last_ts = ts;
                        on_frame(Frame {
                            ts,
                            link_type: iface.link_type,
                            data: epb.packet_data(),
                        });
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                        let Some(iface) = ifaces.first() else {
                            return Err(CaptureError::Format {
                                offset,
                                reason: "simple packet block before any interface".into(),
                            });
                        };
                        on_frame(Frame {
                            ts: last_ts,
                            link_type: iface.link_type,
                            data: spb.packet_data(),
                        });
                    }
                    PcapBlockOwned::NG(_) => {}
                }
                rdr.consume(len);
            }
            Err(PcapError::Eof) => return Ok(()),
            Err(PcapError::Incomplete(_)) => {
                rdr.refill().map_err(|_| CaptureError::Io(take_err(&err)))?;
            }
            Err(PcapError::BufferTooSmall) => {
                if capacity >= MAX_BLOCK {
                    return Err(CaptureError::Format {
                        offset,
                        reason: format!("block larger than {MAX_BLOCK} octets"),
                    });
                }
                capacity *= 4;
                rdr.grow(capacity);
                rdr.refill().map_err(|_| CaptureError::Io(take_err(&err)))?;
            }
            Err(PcapError::UnexpectedEof) => {
                if rdr.data().is_empty() {
                    return Ok(());
                }
                return Err(CaptureError::Truncated {
                    offset,
                    what: "block".into(),
                });
            }
            Err(PcapError::ReadError) => return Err(CaptureError::Io(take_err(&err))),
            Err(e) => {
                return Err(CaptureError::Format {
                    offset,
                    reason: e.to_string(),
                })
            }
        }
    }
}

fn take_err(err: &Rc<RefCell<Option<io::Error>>>) -> io::Error {
    err.borrow_mut()
        .take()
        .unwrap_or_else(|| io::Error::other("read error"))
}
