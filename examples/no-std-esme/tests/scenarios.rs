//! The no_std ESME driven through its public function over the in-memory SMSC, with
//! simulated time.

use smpp_core::{CommandStatus, Duration, Instant};
use smpp_no_std_esme::fake::{Behaviour, FakeSmsc};
use smpp_no_std_esme::{send_one, Failure, Message};

fn msg() -> Message<'static> {
    Message {
        response_timeout: Duration::from_secs(5),
        ..Message::new("447700900123", b"hello from a device")
    }
}

#[test]
fn a_message_is_submitted_and_its_id_returned() {
    let mut smsc = FakeSmsc::new(Behaviour::default());
    let report = send_one(&mut smsc, &msg()).unwrap();
    assert_eq!(report.message_id.as_slice(), b"msg-1");
    assert_eq!(report.enquire_links_answered, 0);
    assert_eq!(smsc.submits, 1);
    assert_eq!(smsc.last_destination.as_slice(), b"447700900123");
    assert_eq!(smsc.time(), Instant::ZERO, "no time passed");
}

#[test]
fn the_smsc_enquire_link_is_answered_on_the_way() {
    let mut smsc = FakeSmsc::new(Behaviour {
        enquire_link: true,
        ..Behaviour::default()
    });
    let report = send_one(&mut smsc, &msg()).unwrap();
    assert_eq!(report.enquire_links_answered, 1);
    assert_eq!(smsc.enquire_links_answered, 1, "the SMSC got its answer");
    assert_eq!(report.message_id.as_slice(), b"msg-1");
}

#[test]
fn a_submit_never_answered_times_out_after_the_response_timeout() {
    let mut smsc = FakeSmsc::new(Behaviour {
        answer_submit: false,
        ..Behaviour::default()
    });
    assert_eq!(send_one(&mut smsc, &msg()), Err(Failure::NoResponse));
    assert_eq!(smsc.submits, 1);
    assert!(smsc.time() >= Instant::ZERO + Duration::from_secs(5));
    assert!(smsc.time() < Instant::ZERO + Duration::from_secs(60));
}

#[test]
fn a_rejected_submit_reports_its_status() {
    let mut smsc = FakeSmsc::new(Behaviour {
        submit_status: CommandStatus::ESME_RMSGQFUL,
        ..Behaviour::default()
    });
    assert_eq!(
        send_one(&mut smsc, &msg()),
        Err(Failure::Rejected(CommandStatus::ESME_RMSGQFUL))
    );
}

#[test]
fn a_refused_bind_fails_with_its_status() {
    let mut smsc = FakeSmsc::new(Behaviour {
        reject_bind: true,
        ..Behaviour::default()
    });
    assert_eq!(
        send_one(&mut smsc, &msg()),
        Err(Failure::BindFailed(Some(CommandStatus::ESME_RBINDFAIL)))
    );
    assert_eq!(smsc.submits, 0);
}

#[test]
fn a_too_long_text_is_refused_by_the_session() {
    let long = [b'x'; 300];
    let mut smsc = FakeSmsc::new(Behaviour::default());
    let m = Message {
        text: &long,
        ..msg()
    };
    assert!(matches!(send_one(&mut smsc, &m), Err(Failure::Session(_))));
    assert_eq!(smsc.submits, 0);
}
