//! Runs the no_std ESME's scenarios on the host, over the in-memory SMSC, and prints each
//! outcome: a delivered message, an SMSC that checks the link first, one that never
//! answers, and one that refuses the bind. Exits 1 if any outcome is not the expected one.

use smpp_no_std_esme::fake::{Behaviour, FakeSmsc};
use smpp_no_std_esme::{send_one, EsmeSession, Failure, Message, Report};

/// A scenario: its name, how the SMSC behaves, and the outcome expected.
type Scenario = (
    &'static str,
    Behaviour,
    fn(&Result<Report, Failure>) -> bool,
);

fn main() {
    println!(
        "session footprint: size_of::<EsmeSession>() = {} octets (no heap)",
        std::mem::size_of::<EsmeSession>()
    );
    let msg = Message::new("447700900123", b"Position report: 51.5072N 0.1276W");
    let mut ok = true;
    let scenarios: [Scenario; 4] = [
        ("delivered", Behaviour::default(), |r| r.is_ok()),
        (
            "enquire_link first",
            Behaviour {
                enquire_link: true,
                ..Behaviour::default()
            },
            |r| matches!(r, Ok(report) if report.enquire_links_answered == 1),
        ),
        (
            "never answered",
            Behaviour {
                answer_submit: false,
                ..Behaviour::default()
            },
            |r| matches!(r, Err(Failure::NoResponse)),
        ),
        (
            "bind refused",
            Behaviour {
                reject_bind: true,
                ..Behaviour::default()
            },
            |r| matches!(r, Err(Failure::BindFailed(Some(_)))),
        ),
    ];
    for (name, behaviour, expected) in scenarios {
        let mut smsc = FakeSmsc::new(behaviour);
        let result = send_one(&mut smsc, &msg);
        let good = expected(&result);
        ok &= good;
        let shown = match &result {
            Ok(r) => format!(
                "accepted, message id {:?}, enquire_link answered {}",
                String::from_utf8_lossy(&r.message_id),
                r.enquire_links_answered
            ),
            Err(e) => format!("{e:?}"),
        };
        println!(
            "{name:<20} {shown} (simulated time {} ms){}",
            smsc.time().as_millis(),
            if good { "" } else { "  UNEXPECTED" }
        );
    }
    if !ok {
        std::process::exit(1);
    }
}
