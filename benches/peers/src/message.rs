//! The one message every client sends, and the receipt text both servers answer with.

use smpp_core::message::{MessageState, ReceiptDate, ReceiptFields};

/// `source_addr` of every `submit_sm` (TON 1 international, NPI 1 ISDN).
pub const SOURCE: &str = "447700900000";
/// `destination_addr` of every `submit_sm` (TON 1 international, NPI 1 ISDN).
pub const DESTINATION: &str = "447700900123";
/// TON of both addresses (international).
pub const TON: u8 = 1;
/// NPI of both addresses (ISDN).
pub const NPI: u8 = 1;
/// Octets of text in `short_message` (`data_coding` 0).
pub const TEXT_LEN: usize = 60;
/// The password of every account.
pub const PASSWORD: &str = "bench";

/// The 60 octets of `short_message`.
pub fn text() -> Vec<u8> {
    b"The quick brown fox jumps over the lazy dog 0123456789. "
        .iter()
        .copied()
        .cycle()
        .take(TEXT_LEN)
        .collect()
}

/// `registered_delivery` of the cell: 1 (a final receipt) or 0.
pub fn registered_delivery(receipts: bool) -> u8 {
    u8::from(receipts)
}

/// The `system_id` of bind `i` (0-based) of a cell: each bind has an account of its own,
/// so that both servers send a message's receipt back on the bind that submitted it.
pub fn system_id(i: usize) -> String {
    format!("bench{}", i + 1)
}

/// The standard receipt text (`id:… sub:001 dlvrd:001 submit date:… done date:…
/// stat:DELIVRD err:000 text:…`, the first 20 characters of the message), the same text
/// the simulator sends.
pub fn receipt_text(message_id: &str, date: ReceiptDate) -> String {
    let text = text();
    ReceiptFields {
        id: message_id.to_string(),
        sub: 1,
        dlvrd: 1,
        submit_date: date,
        done_date: date,
        stat: MessageState::Delivered,
        err: 0,
        text: String::from_utf8_lossy(&text[..20]).into_owned(),
    }
    .to_string()
}

/// Whether an `esm_class` marks a delivery receipt (message type bits 2..5 = 0b0001).
pub fn is_receipt(esm_class: u8) -> bool {
    esm_class & 0x3C == 0x04
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_60_octets() {
        assert_eq!(text().len(), 60);
        assert!(text().is_ascii());
    }

    #[test]
    fn receipt_flags() {
        assert!(is_receipt(0x04));
        assert!(!is_receipt(0x00));
        assert!(!is_receipt(0x08));
    }
}
