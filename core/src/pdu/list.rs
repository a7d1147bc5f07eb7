//! Counted lists inside a body (`submit_multi` destinations, `submit_multi_resp`
//! unsuccessful SMEs): borrowed wire bytes when received, a slice when built.

use crate::wire::reader::Reader;
use crate::wire::writer::{Measure, Sink};
use crate::wire::{DecodeError, EncodeError, Field};
use core::fmt;

/// An element of a counted list. Sealed: implemented by [`DestAddress`](super::DestAddress)
/// and [`UnsuccessSme`](super::UnsuccessSme) only.
#[allow(private_interfaces, private_bounds)]
pub trait ListItem<'a>: Copy + Sized {
    /// The field named in errors about the count.
    const COUNT_FIELD: Field;
    /// The largest count the specification allows.
    const MAX: usize;
    #[doc(hidden)]
    fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError>;
    #[doc(hidden)]
    fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError>;
}

#[derive(Clone, Copy)]
enum Repr<'a, T> {
    Wire { count: u8, bytes: &'a [u8] },
    Slice(&'a [T]),
}

/// A counted list of `T`: received (validated wire octets) or built from a slice.
#[derive(Clone, Copy)]
pub struct List<'a, T>(Repr<'a, T>);

impl<T: 'static> List<'static, T> {
    /// A list with no entries.
    pub const EMPTY: List<'static, T> = List(Repr::Wire {
        count: 0,
        bytes: &[],
    });
}

impl<T> Default for List<'_, T> {
    fn default() -> Self {
        List(Repr::Wire {
            count: 0,
            bytes: &[],
        })
    }
}

impl<'a, T: ListItem<'a>> List<'a, T> {
    /// A list built by the application, sent in slice order.
    pub const fn from_slice(items: &'a [T]) -> List<'a, T> {
        List(Repr::Slice(items))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        match self.0 {
            Repr::Wire { count, .. } => count as usize,
            Repr::Slice(s) => s.len(),
        }
    }

    /// True when the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries in order.
    pub fn iter(&self) -> ListIter<'a, T> {
        ListIter(self.0)
    }

    pub(crate) fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let count = r.u8(T::COUNT_FIELD)?;
        if count as usize > T::MAX {
            return Err(DecodeError::InvalidValue {
                field: T::COUNT_FIELD,
            });
        }
        let before = *r;
        for _ in 0..count {
            T::decode(r)?;
        }
        let used = before.remaining() - r.remaining();
        let bytes = before.clone().octets(T::COUNT_FIELD, used)?;
        Ok(List(Repr::Wire { count, bytes }))
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) -> Result<(), EncodeError> {
        match self.0 {
            Repr::Wire { count, bytes } => {
                if S::VALIDATE {
                    // Received octets may hold what only a lenient parse accepts (an
                    // over-long address): what is sent is checked like a built list.
                    let mut m = Measure::<true>::default();
                    self.iter().try_for_each(|i| i.write(&mut m))?;
                }
                s.put_u8(count);
                s.put(bytes);
                Ok(())
            }
            Repr::Slice(items) => {
                if S::VALIDATE && items.len() > T::MAX {
                    return Err(EncodeError::TooManyEntries {
                        field: T::COUNT_FIELD,
                    });
                }
                s.put_u8(items.len() as u8);
                items.iter().try_for_each(|i| i.write(s))
            }
        }
    }
}

impl<'a, T: ListItem<'a> + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<'a, T: ListItem<'a> + Eq> Eq for List<'a, T> {}

impl<'a, T: ListItem<'a> + fmt::Debug> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over a [`List`].
pub struct ListIter<'a, T>(Repr<'a, T>);

impl<'a, T: ListItem<'a>> Iterator for ListIter<'a, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match &mut self.0 {
            Repr::Wire { count, bytes } => {
                if *count == 0 {
                    return None;
                }
                // The octets were validated when the list was decoded, with whatever options
                // the parse had: read them back leniently (an over-long address accepted
                // then must not end the iteration early).
                let mut r = Reader::with_over_long(bytes, true);
                let item = T::decode(&mut r).ok()?;
                *bytes = r.rest();
                *count -= 1;
                Some(item)
            }
            Repr::Slice(items) => {
                let (first, rest) = items.split_first()?;
                *items = rest;
                Some(*first)
            }
        }
    }
}
