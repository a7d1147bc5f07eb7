//! `smpp smsc --profile ecall` and the simulator's protocol options (`--supported`,
//! `--no-interface-version-tlv`, `--enquire-link`), checked with raw PDUs over TCP.

mod cli_common;
mod raw_pdu;

use cli_common::{run, Smsc};
use raw_pdu::{bind_resp_system_id, bind_trx, connect, expect, read, write, write_pdu};
use raw_pdu::{ESME_RINVCMDID, GENERIC_NACK};
use smpp_core::pdu::{
    Address, Body, CancelSm, DataSm, DestAddress, List, Pdu, QuerySm, ReplaceSm, SubmitMulti,
    SubmitSm, Tlvs,
};
use std::time::{Duration, Instant};

const READ: Duration = Duration::from_secs(10);

fn submit_sm() -> Body<'static> {
    Body::SubmitSm(SubmitSm {
        source: Address::international("447700900000"),
        destination: Address::international("447700900123"),
        short_message: b"hello",
        ..Default::default()
    })
}

/// The message commands the eCall profile refuses, each with a valid body.
fn refused_by_ecall() -> Vec<(&'static str, Body<'static>)> {
    static DESTS: [DestAddress<'static>; 1] = [DestAddress::Sme(Address {
        ton: smpp_core::pdu::Ton::INTERNATIONAL,
        npi: smpp_core::pdu::Npi::ISDN,
        addr: b"447700900123",
    })];
    vec![
        (
            "submit_multi",
            Body::SubmitMulti(SubmitMulti {
                source: Address::alphanumeric("Sender"),
                dest_addresses: List::from_slice(&DESTS),
                short_message: b"x",
                ..Default::default()
            }),
        ),
        (
            "data_sm",
            Body::DataSm(DataSm {
                source: Address::alphanumeric("Sender"),
                destination: Address::international("447700900123"),
                tlvs: Tlvs::EMPTY,
                ..Default::default()
            }),
        ),
        (
            "query_sm",
            Body::QuerySm(QuerySm {
                message_id: b"abc",
                source: Address::alphanumeric("Sender"),
            }),
        ),
        (
            "replace_sm",
            Body::ReplaceSm(ReplaceSm {
                message_id: b"abc",
                source: Address::alphanumeric("Sender"),
                short_message: b"new",
                ..Default::default()
            }),
        ),
        (
            "cancel_sm",
            Body::CancelSm(CancelSm {
                message_id: b"abc",
                source: Address::alphanumeric("Sender"),
                destination: Address::international("447700900123"),
                ..Default::default()
            }),
        ),
    ]
}

#[test]
fn ecall_profile_serves_only_its_commands() {
    let smsc = Smsc::start(&["--profile", "ecall"]);
    let mut s = connect(&smsc.addr, READ);
    let resp = bind_trx(&mut s, "smppclient1", "password");
    assert_eq!(resp.command_status, 0, "{resp:?}");
    assert_eq!(bind_resp_system_id(&resp), "eCallSmpp");

    for (i, (name, body)) in refused_by_ecall().into_iter().enumerate() {
        let seq = 10 + i as u32;
        write(&mut s, seq, body);
        let r = expect(&mut s);
        assert_eq!(r.command_id, GENERIC_NACK, "{name}: {r:?}");
        assert_eq!(r.command_status, ESME_RINVCMDID, "{name}: {r:?}");
        assert_eq!(r.sequence_number, seq, "{name}: {r:?}");
    }
    // submit_sm still works.
    write(&mut s, 20, submit_sm());
    let r = expect(&mut s);
    assert_eq!(
        (r.command_id, r.command_status, r.sequence_number),
        (0x8000_0004, 0, 20),
        "{r:?}"
    );
    // enquire_link too.
    write(&mut s, 21, Body::EnquireLink);
    let r = expect(&mut s);
    assert_eq!((r.command_id, r.command_status), (0x8000_0015, 0), "{r:?}");
    write(&mut s, 22, Body::Unbind);
    assert_eq!(expect(&mut s).command_id, 0x8000_0006);
    smsc.stop().expect_code(0);
}

#[test]
fn ecall_profile_options_given_explicitly_override_it() {
    // --inactivity-timeout 1s overrides the profile's 60 s; --system-id its eCallSmpp.
    let smsc = Smsc::start(&[
        "--profile",
        "ecall",
        "--inactivity-timeout",
        "1s",
        "--system-id",
        "Other",
    ]);
    let mut s = connect(&smsc.addr, READ);
    let resp = bind_trx(&mut s, "smppclient1", "password");
    assert_eq!(resp.command_status, 0);
    assert_eq!(bind_resp_system_id(&resp), "Other");
    // The profile's command set still applies.
    write(&mut s, 2, refused_by_ecall().remove(1).1);
    let r = expect(&mut s);
    assert_eq!(
        (r.command_id, r.command_status),
        (GENERIC_NACK, ESME_RINVCMDID)
    );

    // Silence: the SMSC unbinds and closes after about 1 s (the profile alone: 60 s).
    let quiet = Instant::now();
    let mut saw_unbind = false;
    while let Some(f) = read(&mut s) {
        if f.command_id == 0x0000_0006 {
            saw_unbind = true;
            write_pdu(
                &mut s,
                &Pdu {
                    command_status: smpp_core::CommandStatus::ESME_ROK,
                    sequence_number: f.sequence_number,
                    body: Body::UnbindResp,
                },
            );
        }
    }
    let waited = quiet.elapsed();
    assert!(saw_unbind, "the SMSC closed without unbinding");
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(8),
        "closed after {waited:?}"
    );
    smsc.stop().expect_code(0);
}

#[test]
fn an_unknown_profile_is_a_usage_error() {
    let out = run(&["smsc", "--profile", "ozeki"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("--profile") && out.stderr.contains("ozeki"),
        "{}",
        out.stderr
    );
}

#[test]
fn bind_resp_without_the_interface_version_tlv() {
    // As an Ozeki SMSC answers: 28 octets, no TLV.
    let smsc = Smsc::start(&["--no-interface-version-tlv", "--system-id", "OZEKISYSTEM"]);
    let mut s = connect(&smsc.addr, READ);
    let resp = bind_trx(&mut s, "smppclient1", "password");
    assert_eq!(resp.bytes.len(), 16 + "OZEKISYSTEM".len() + 1);
    let ozeki: Vec<u8> = (0..28)
        .map(|i| {
            u8::from_str_radix(
                &"0000001C8000000900000000000000014F5A454B4953595354454D00"[2 * i..2 * i + 2],
                16,
            )
            .unwrap()
        })
        .collect();
    assert_eq!(resp.bytes, ozeki);
    drop(s);
    smsc.stop().expect_code(0);

    // By default: system_id, then TLV 0x0210 (sc_interface_version), length 1, 0x34.
    let smsc = Smsc::start(&["--system-id", "OZEKISYSTEM"]);
    let mut s = connect(&smsc.addr, READ);
    let resp = bind_trx(&mut s, "smppclient1", "password");
    assert_eq!(resp.bytes.len(), 28 + 5);
    assert_eq!(&resp.bytes[..28][16..], &ozeki[16..]);
    assert_eq!(&resp.bytes[28..], &[0x02, 0x10, 0x00, 0x01, 0x34]);
    drop(s);
    smsc.stop().expect_code(0);
}

#[test]
fn supported_lists_the_commands_served() {
    // Case-insensitive names: data_sm served, submit_sm not.
    let smsc = Smsc::start(&["--supported", "DATA_SM,Enquire_Link"]);
    let mut s = connect(&smsc.addr, READ);
    assert_eq!(
        bind_trx(&mut s, "smppclient1", "password").command_status,
        0
    );
    write(&mut s, 2, submit_sm());
    let r = expect(&mut s);
    assert_eq!(
        (r.command_id, r.command_status, r.sequence_number),
        (GENERIC_NACK, ESME_RINVCMDID, 2),
        "{r:?}"
    );
    write(&mut s, 3, refused_by_ecall().remove(1).1);
    let r = expect(&mut s);
    assert_eq!(
        (r.command_id, r.command_status, r.sequence_number),
        (0x8000_0103, 0, 3),
        "{r:?}"
    );
    drop(s);
    smsc.stop().expect_code(0);

    let out = run(&["smsc", "--supported", "submit_sm,frobnicate_sm"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("--supported") && out.stderr.contains("frobnicate_sm"),
        "{}",
        out.stderr
    );
}

#[test]
fn smsc_enquire_link_probes_a_silent_client() {
    let smsc = Smsc::start(&["--enquire-link", "500ms"]);
    let mut s = connect(&smsc.addr, Duration::from_secs(5));
    assert_eq!(
        bind_trx(&mut s, "smppclient1", "password").command_status,
        0
    );
    let f = expect(&mut s);
    assert_eq!(f.command_id, 0x0000_0015, "{f:?}");
    write_pdu(
        &mut s,
        &Pdu {
            command_status: smpp_core::CommandStatus::ESME_ROK,
            sequence_number: f.sequence_number,
            body: Body::EnquireLinkResp,
        },
    );
    drop(s);
    smsc.stop().expect_code(0);
}
