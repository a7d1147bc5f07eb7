#![no_main]
// Any bytes as a capture file: no panic; every connection opened is closed exactly once.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut open = std::collections::HashSet::new();
    let _ = smpp_cli::capture::read_capture(data, |e| match e {
        smpp_cli::capture::StreamEvent::Open { conn, .. } => assert!(open.insert(conn)),
        smpp_cli::capture::StreamEvent::Close { conn, .. } => assert!(open.remove(&conn)),
        smpp_cli::capture::StreamEvent::Data { conn, bytes, .. } => {
            assert!(open.contains(&conn) && !bytes.is_empty())
        }
        smpp_cli::capture::StreamEvent::Gap { conn, len, .. } => assert!(open.contains(&conn) && len > 0),
    });
    assert!(open.is_empty());
});
