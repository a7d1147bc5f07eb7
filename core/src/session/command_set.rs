//! [`CommandSet`]: a small `Copy` set of request command ids.

use crate::pdu::CommandId;
use core::fmt;

/// A set of request command ids (`submit_sm`, `enquire_link`, ...), as one 128-bit mask:
/// `Copy`, no allocation, usable in `const` items. It holds the ids `0x00..=0x3F` and
/// `0x100..=0x13F`, which covers every request SMPP 3.4 (and 5.0) defines; responses and
/// other values are never members.
///
/// It is what [`SessionConfig::supported_commands`](super::SessionConfig) takes.
///
/// ```
/// use smpp_core::pdu::CommandId;
/// use smpp_core::session::CommandSet;
///
/// const OPERATOR: CommandSet = CommandSet::from_slice(&[
///     CommandId::SubmitSm,
///     CommandId::DeliverSm,
///     CommandId::EnquireLink,
///     CommandId::Unbind,
/// ]);
/// assert!(OPERATOR.contains(CommandId::SubmitSm));
/// assert!(!OPERATOR.contains(CommandId::DataSm));
///
/// let mut set = OPERATOR;
/// assert!(set.insert(CommandId::DataSm));
/// assert_eq!(set.len(), 5);
/// assert!(!set.insert(CommandId::SubmitSmResp)); // not a request: never a member
/// assert_eq!(set.iter().last(), Some(CommandId::DataSm));
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CommandSet(u128);

/// The bit of `id` in the mask, if it has one.
#[inline]
const fn bit(id: u32) -> Option<u32> {
    match id {
        0x00..=0x3F => Some(id),
        0x100..=0x13F => Some(id - 0x100 + 64),
        _ => None,
    }
}

/// The command id of bit `b`.
#[inline]
const fn id_of(b: u32) -> u32 {
    if b < 64 {
        b
    } else {
        b - 64 + 0x100
    }
}

impl CommandSet {
    /// No command.
    pub const EMPTY: CommandSet = CommandSet(0);

    /// The set of `ids`.
    ///
    /// # Panics
    ///
    /// When one of `ids` cannot be a member (a response, or a value outside
    /// `0x00..=0x3F` and `0x100..=0x13F`): at compile time in a `const` item.
    #[inline]
    pub const fn from_slice(ids: &[CommandId]) -> CommandSet {
        let mut mask = 0u128;
        let mut i = 0;
        while i < ids.len() {
            match bit(ids[i].to_u32()) {
                Some(b) => mask |= 1 << b,
                None => panic!("CommandSet::from_slice: not a request command id"),
            }
            i += 1;
        }
        CommandSet(mask)
    }

    /// True when `id` is in the set.
    #[inline]
    pub const fn contains(self, id: CommandId) -> bool {
        match bit(id.to_u32()) {
            Some(b) => self.0 & (1 << b) != 0,
            None => false,
        }
    }

    /// Adds `id`; false when it cannot be a member (a response, or out of range), and the
    /// set is unchanged.
    #[inline]
    pub fn insert(&mut self, id: CommandId) -> bool {
        match bit(id.to_u32()) {
            Some(b) => {
                self.0 |= 1 << b;
                true
            }
            None => false,
        }
    }

    /// Removes `id` (nothing when it is not a member).
    #[inline]
    pub fn remove(&mut self, id: CommandId) {
        if let Some(b) = bit(id.to_u32()) {
            self.0 &= !(1 << b);
        }
    }

    /// The set with `id` added (unchanged when `id` cannot be a member).
    #[inline]
    pub const fn with(self, id: CommandId) -> CommandSet {
        match bit(id.to_u32()) {
            Some(b) => CommandSet(self.0 | (1 << b)),
            None => self,
        }
    }

    /// How many commands the set holds.
    #[inline]
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// True when the set holds no command.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members, by increasing command id.
    #[inline]
    pub fn iter(self) -> impl Iterator<Item = CommandId> {
        (0..128u32)
            .filter(move |b| self.0 & (1 << b) != 0)
            .map(|b| CommandId::from_u32(id_of(b)))
    }
}

impl FromIterator<CommandId> for CommandSet {
    /// The set of the ids that can be members (the others are left out).
    #[inline]
    fn from_iter<I: IntoIterator<Item = CommandId>>(iter: I) -> CommandSet {
        let mut set = CommandSet::EMPTY;
        for id in iter {
            set.insert(id);
        }
        set
    }
}

impl fmt::Debug for CommandSet {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn every_request_fits_and_round_trips() {
        let requests: Vec<CommandId> = CommandId::ALL
            .iter()
            .copied()
            .filter(|id| !id.is_response())
            .collect();
        let set: CommandSet = requests.iter().copied().collect();
        assert_eq!(set.len(), requests.len());
        for id in &requests {
            assert!(set.contains(*id), "{id:?}");
        }
        let mut sorted = requests.clone();
        sorted.sort_by_key(|id| id.to_u32());
        assert_eq!(set.iter().collect::<Vec<_>>(), sorted);
    }

    #[test]
    fn responses_and_out_of_range_ids_are_never_members() {
        let mut set = CommandSet::EMPTY;
        for id in [
            CommandId::GenericNack,
            CommandId::SubmitSmResp,
            CommandId::DataSmResp,
            CommandId::Unknown(0x40),
            CommandId::Unknown(0x140),
            CommandId::Unknown(0xFFFF_FFFF),
        ] {
            assert!(!set.insert(id), "{id:?}");
            assert!(!set.contains(id), "{id:?}");
            assert_eq!(set.with(id), set);
        }
        assert!(set.is_empty());
        // Unknown ids inside the ranges are members like any other.
        assert!(set.insert(CommandId::Unknown(0x3F)));
        assert!(set.insert(CommandId::Unknown(0x13F)));
        assert!(set.contains(CommandId::Unknown(0x13F)));
        assert!(!set.contains(CommandId::Unknown(0x3E)));
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn insert_remove_and_const_construction() {
        const SET: CommandSet = CommandSet::from_slice(&[CommandId::SubmitSm, CommandId::DataSm])
            .with(CommandId::SubmitMulti);
        assert_eq!(SET.len(), 3);
        let mut s = SET;
        s.remove(CommandId::DataSm);
        s.remove(CommandId::QuerySm);
        assert!(!s.contains(CommandId::DataSm));
        assert!(s.contains(CommandId::SubmitMulti));
        assert_eq!(std::format!("{s:?}"), "{SubmitSm, SubmitMulti}");
    }

    #[test]
    #[should_panic(expected = "not a request command id")]
    fn from_slice_refuses_a_response() {
        let _ = CommandSet::from_slice(&[CommandId::SubmitSmResp]);
    }
}
