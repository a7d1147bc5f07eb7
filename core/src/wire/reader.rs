//! The cursor that reads received octets. It is the only code that indexes input, and every
//! read is checked: a short buffer is an error that names the field, never a panic.

use super::error::{DecodeError, Field};

/// A forward-only cursor over a borrowed PDU body.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    /// C-octet strings may be longer than their field's maximum when their NUL is still
    /// within the body (the `allow_over_long_strings` parse option).
    over_long: bool,
}

impl<'a> Reader<'a> {
    /// A strict cursor: every C-octet string must end within its field's maximum.
    #[cfg(test)]
    pub(crate) const fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader {
            buf,
            over_long: false,
        }
    }

    /// A cursor that accepts over-long C-octet strings when `over_long` (see
    /// [`Reader::cstr`]).
    pub(crate) const fn with_over_long(buf: &'a [u8], over_long: bool) -> Reader<'a> {
        Reader { buf, over_long }
    }

    pub(crate) const fn remaining(&self) -> usize {
        self.buf.len()
    }

    pub(crate) const fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Everything not read yet.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.buf)
    }

    pub(crate) fn u8(&mut self, field: Field) -> Result<u8, DecodeError> {
        match self.buf.split_first() {
            Some((&b, rest)) => {
                self.buf = rest;
                Ok(b)
            }
            None => Err(DecodeError::Truncated { field }),
        }
    }

    pub(crate) fn array<const N: usize>(&mut self, field: Field) -> Result<[u8; N], DecodeError> {
        match self.buf.split_first_chunk::<N>() {
            Some((head, rest)) => {
                self.buf = rest;
                Ok(*head)
            }
            None => Err(DecodeError::Truncated { field }),
        }
    }

    pub(crate) fn u32(&mut self, field: Field) -> Result<u32, DecodeError> {
        self.array::<4>(field).map(u32::from_be_bytes)
    }

    pub(crate) fn octets(&mut self, field: Field, n: usize) -> Result<&'a [u8], DecodeError> {
        match self.buf.split_at_checked(n) {
            Some((head, rest)) => {
                self.buf = rest;
                Ok(head)
            }
            None => Err(DecodeError::Truncated { field }),
        }
    }

    /// A C-octet string of at most `max` octets including its NUL; returns it without the NUL.
    ///
    /// A string with no NUL within `max` octets is [`DecodeError::TooLong`]; when the cursor
    /// accepts over-long strings ([`Reader::with_over_long`]) and the NUL comes later within
    /// the body, the whole string is returned instead (no NUL at all is still `TooLong`, or
    /// `Truncated` when fewer than `max` octets remain).
    pub(crate) fn cstr(&mut self, field: Field, max: usize) -> Result<&'a [u8], DecodeError> {
        let over_long = self.over_long;
        self.cstr_limited(field, max, over_long)
    }

    fn cstr_limited(
        &mut self,
        field: Field,
        max: usize,
        over_long: bool,
    ) -> Result<&'a [u8], DecodeError> {
        let window = match self.buf.get(..max) {
            Some(w) if !over_long => w,
            _ => self.buf,
        };
        match window.iter().position(|&b| b == 0) {
            Some(i) => {
                let (value, rest) = self.buf.split_at(i);
                self.buf = rest.get(1..).unwrap_or(&[]);
                Ok(value)
            }
            None if self.buf.len() < max => Err(DecodeError::Truncated { field }),
            None => Err(DecodeError::TooLong { field, max }),
        }
    }

    /// Like [`Reader::cstr`], but when `lenient` and the string reaches the end of the PDU
    /// without its NUL (a quirk of some SMSCs in response `message_id`s), takes what is there.
    pub(crate) fn cstr_at_end(
        &mut self,
        field: Field,
        max: usize,
        lenient: bool,
    ) -> Result<&'a [u8], DecodeError> {
        match self.cstr(field, max) {
            Err(DecodeError::Truncated { .. }) if lenient && !self.is_empty() => Ok(self.rest()),
            other => other,
        }
    }

    /// A fixed-format time field (`schedule_delivery_time`, `validity_period`, `final_date`):
    /// either empty or exactly 16 characters before the NUL.
    /// Never over-long: the format is fixed.
    pub(crate) fn time(&mut self, field: Field) -> Result<&'a [u8], DecodeError> {
        let v = self.cstr_limited(field, 17, false)?;
        if v.is_empty() || v.len() == 16 {
            Ok(v)
        } else {
            Err(DecodeError::InvalidValue { field })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cstr_limits() {
        let mut r = Reader::new(b"abc\0def");
        assert_eq!(r.cstr(Field::SystemId, 16), Ok(&b"abc"[..]));
        assert_eq!(
            r.clone().cstr(Field::SystemId, 16),
            Err(DecodeError::Truncated {
                field: Field::SystemId
            })
        );
        assert_eq!(
            r.clone().cstr(Field::SystemId, 3),
            Err(DecodeError::TooLong {
                field: Field::SystemId,
                max: 3
            })
        );
        assert_eq!(r.cstr_at_end(Field::MessageId, 65, true), Ok(&b"def"[..]));
        assert!(r.is_empty());
        // a string of exactly max-1 octets plus NUL fits
        let mut r = Reader::new(b"ab\0");
        assert_eq!(r.cstr(Field::Password, 3), Ok(&b"ab"[..]));
    }

    #[test]
    fn over_long_strings() {
        // Strict: no NUL within the maximum.
        let mut r = Reader::new(b"password9\0rest");
        assert_eq!(
            r.cstr(Field::Password, 9),
            Err(DecodeError::TooLong {
                field: Field::Password,
                max: 9
            })
        );
        // Over-long accepted: the NUL is further on, within the body.
        let mut r = Reader::with_over_long(b"password9\0rest\0", true);
        assert_eq!(r.cstr(Field::Password, 9), Ok(&b"password9"[..]));
        assert_eq!(r.cstr(Field::SystemType, 13), Ok(&b"rest"[..]));
        assert!(r.is_empty());
        // No NUL at all is still refused, as TooLong or (short) Truncated.
        let mut r = Reader::with_over_long(b"password9", true);
        assert_eq!(
            r.cstr(Field::Password, 9),
            Err(DecodeError::TooLong {
                field: Field::Password,
                max: 9
            })
        );
        let mut r = Reader::with_over_long(b"pass", true);
        assert_eq!(
            r.cstr(Field::Password, 9),
            Err(DecodeError::Truncated {
                field: Field::Password
            })
        );
        // Time fields keep their fixed format.
        let mut r = Reader::with_over_long(b"0000000010000000R0\0", true);
        assert_eq!(
            r.time(Field::ValidityPeriod),
            Err(DecodeError::TooLong {
                field: Field::ValidityPeriod,
                max: 17
            })
        );
    }

    #[test]
    fn numbers_and_truncation() {
        let mut r = Reader::new(&[0, 1, 0, 0, 0, 2, 9]);
        assert_eq!(r.array::<2>(Field::Tlvs), Ok([0, 1]));
        assert_eq!(r.u32(Field::Tlvs), Ok(2));
        assert_eq!(r.remaining(), 1);
        assert!(r.u32(Field::Tlvs).is_err());
        assert_eq!(r.u8(Field::Tlvs), Ok(9));
        assert!(r.u8(Field::Tlvs).is_err());
        assert!(r.octets(Field::Tlvs, 1).is_err());
    }

    #[test]
    fn time_fields() {
        assert!(Reader::new(b"\0").time(Field::ValidityPeriod).is_ok());
        assert!(Reader::new(b"000000001000000R\0")
            .time(Field::ValidityPeriod)
            .is_ok());
        assert_eq!(
            Reader::new(b"0001\0").time(Field::ValidityPeriod),
            Err(DecodeError::InvalidValue {
                field: Field::ValidityPeriod
            })
        );
    }
}
