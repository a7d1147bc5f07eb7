//! The protocol core is layered: `wire` at the bottom, `pdu` on top of it, framing on top of
//! `pdu`. These tests read the sources and fail when a lower layer imports a higher one.

/// Every source file of `core/src/wire/`, by name.
const WIRE: &[(&str, &str)] = &[
    ("error.rs", include_str!("../src/wire/error.rs")),
    ("header.rs", include_str!("../src/wire/header.rs")),
    ("ids.rs", include_str!("../src/wire/ids.rs")),
    ("mod.rs", include_str!("../src/wire/mod.rs")),
    ("reader.rs", include_str!("../src/wire/reader.rs")),
    ("tlv_tag.rs", include_str!("../src/wire/tlv_tag.rs")),
    ("writer.rs", include_str!("../src/wire/writer.rs")),
];

/// Every source file of `core/src/pdu/`, by name.
const PDU: &[(&str, &str)] = &[
    ("bind.rs", include_str!("../src/pdu/bind.rs")),
    ("broadcast.rs", include_str!("../src/pdu/broadcast.rs")),
    ("fields.rs", include_str!("../src/pdu/fields.rs")),
    ("list.rs", include_str!("../src/pdu/list.rs")),
    ("mod.rs", include_str!("../src/pdu/mod.rs")),
    ("multi.rs", include_str!("../src/pdu/multi.rs")),
    ("ops.rs", include_str!("../src/pdu/ops.rs")),
    ("sm.rs", include_str!("../src/pdu/sm.rs")),
    ("tlv.rs", include_str!("../src/pdu/tlv.rs")),
];

/// The files actually in a source directory, so a new file cannot escape the checks.
fn files_in(dir: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(dir);
    let mut names: Vec<String> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn assert_lists_every_file(dir: &str, listed: &[(&str, &str)]) {
    let listed: Vec<&str> = listed.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        files_in(dir),
        listed,
        "core/src/{dir}/ changed: list its files in tests/layering.rs"
    );
}

fn assert_free_of(dir: &str, files: &[(&str, &str)], forbidden: &[&str]) {
    for (name, text) in files {
        for bad in forbidden {
            assert!(
                !text.contains(bad),
                "core/src/{dir}/{name} contains `{bad}`, which breaks the layering"
            );
        }
    }
}

#[test]
fn wire_imports_nothing_above_it() {
    assert_lists_every_file("wire", WIRE);
    assert_free_of(
        "wire",
        WIRE,
        &[
            "crate::pdu",
            "crate::codec",
            "crate::framing",
            "crate::session",
            "crate::message",
            "super::super",
        ],
    );
    // Beyond the explicit list: the only modules of the crate wire may name are itself and
    // `time`.
    for (name, text) in WIRE {
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + "crate::".len()..];
            assert!(
                rest.starts_with("wire") || rest.starts_with("time"),
                "core/src/wire/{name} names `crate::{}`; wire may only use itself and time",
                rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or("")
            );
        }
    }
}

#[test]
fn pdu_does_not_import_framing() {
    assert_lists_every_file("pdu", PDU);
    assert_free_of(
        "pdu",
        PDU,
        &[
            "crate::codec",
            "crate::framing",
            "crate::session",
            "super::super",
        ],
    );
}
