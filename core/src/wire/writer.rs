//! Output sinks for the encoder. One encoding routine per PDU body runs over a sink that
//! counts (for the exact `encoded_len`), validates, writes into a caller's slice, or writes
//! into a `bytes::BufMut`.

use super::error::{EncodeError, Field};

/// Where encoded octets go.
pub(crate) trait Sink {
    /// Whether field values are checked against the specification on this pass.
    const VALIDATE: bool;
    fn put(&mut self, bytes: &[u8]);
    fn put_u8(&mut self, v: u8) {
        self.put(&[v]);
    }
    fn put_u16(&mut self, v: u16) {
        self.put(&v.to_be_bytes());
    }
    fn put_u32(&mut self, v: u32) {
        self.put(&v.to_be_bytes());
    }
}

/// Counts octets; with `V` it also validates every field.
#[derive(Default)]
pub(crate) struct Measure<const V: bool> {
    pub(crate) len: usize,
}

impl<const V: bool> Sink for Measure<V> {
    const VALIDATE: bool = V;
    fn put(&mut self, bytes: &[u8]) {
        self.len += bytes.len();
    }
    fn put_u8(&mut self, _: u8) {
        self.len += 1;
    }
    fn put_u16(&mut self, _: u16) {
        self.len += 2;
    }
    fn put_u32(&mut self, _: u32) {
        self.len += 4;
    }
}

/// Writes into a caller's slice that was checked to be large enough beforehand; an overrun
/// (which would be an encoder bug) is recorded instead of panicking.
pub(crate) struct SliceSink<'a> {
    buf: &'a mut [u8],
    pos: usize,
    overrun: bool,
}

impl<'a> SliceSink<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> SliceSink<'a> {
        SliceSink {
            buf,
            pos: 0,
            overrun: false,
        }
    }

    /// Octets written, or `None` after an overrun.
    pub(crate) fn finish(self) -> Option<usize> {
        (!self.overrun).then_some(self.pos)
    }
}

impl Sink for SliceSink<'_> {
    const VALIDATE: bool = true;
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        match self.buf.get_mut(self.pos..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.pos = end;
            }
            None => self.overrun = true,
        }
    }
    fn put_u8(&mut self, v: u8) {
        match self.buf.get_mut(self.pos) {
            Some(dst) => {
                *dst = v;
                self.pos += 1;
            }
            None => self.overrun = true,
        }
    }
}

/// Writes into a `bytes::BufMut`; runs only after a validating pass succeeded.
#[cfg(feature = "alloc")]
pub(crate) struct BufSink<'a, B: bytes::BufMut>(pub(crate) &'a mut B);

#[cfg(feature = "alloc")]
impl<B: bytes::BufMut> Sink for BufSink<'_, B> {
    const VALIDATE: bool = false;
    fn put(&mut self, bytes: &[u8]) {
        self.0.put_slice(bytes);
    }
    fn put_u8(&mut self, v: u8) {
        self.0.put_u8(v);
    }
    fn put_u16(&mut self, v: u16) {
        self.0.put_u16(v);
    }
    fn put_u32(&mut self, v: u32) {
        self.0.put_u32(v);
    }
}

/// A C-octet string of at most `max` octets including the NUL.
pub(crate) fn cstr<S: Sink>(
    s: &mut S,
    field: Field,
    value: &[u8],
    max: usize,
) -> Result<(), EncodeError> {
    if S::VALIDATE {
        if value.len() >= max {
            return Err(EncodeError::TooLong { field, max });
        }
        if value.contains(&0) {
            return Err(EncodeError::EmbeddedNul { field });
        }
    }
    s.put(value);
    s.put_u8(0);
    Ok(())
}

/// A time field: empty or exactly 16 characters, then the NUL.
pub(crate) fn time<S: Sink>(s: &mut S, field: Field, value: &[u8]) -> Result<(), EncodeError> {
    if S::VALIDATE && !(value.is_empty() || value.len() == 16) {
        return Err(EncodeError::InvalidValue { field });
    }
    cstr(s, field, value, 17)
}

/// `sm_length` followed by `short_message` (at most 254 octets).
pub(crate) fn short_message<S: Sink>(s: &mut S, value: &[u8]) -> Result<(), EncodeError> {
    if S::VALIDATE && value.len() > 254 {
        return Err(EncodeError::TooLong {
            field: Field::ShortMessage,
            max: 255,
        });
    }
    s.put_u8(value.len() as u8);
    s.put(value);
    Ok(())
}
