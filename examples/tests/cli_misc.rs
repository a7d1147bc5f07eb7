//! `smpp bench`, `smpp demo`, every `--help`, and usage errors, running the real binary.

mod cli_common;

use cli_common::{run, Smsc};

#[test]
fn every_subcommand_has_help() {
    for command in ["decode", "smsc", "send", "listen", "bench", "demo"] {
        for args in [
            vec![command, "--help"],
            vec!["help", command],
            vec![command, "-h"],
        ] {
            let out = run(&args);
            out.expect_code(0);
            assert!(
                out.stdout.contains(&format!("Usage: smpp {command}")),
                "{args:?}: {}",
                out.stdout
            );
            assert!(out.stderr.is_empty(), "{args:?}: {}", out.stderr);
        }
    }
    let out = run(&["--help"]);
    out.expect_code(0);
    for command in ["smsc", "send", "listen", "bench", "demo"] {
        assert!(
            out.stdout.contains(&format!("\n  {command} ")),
            "{command} listed"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    for (args, needle) in [
        (vec!["send", "hi"], "--to NUMBER is required"),
        (vec!["send", "--to", "1"], "TEXT is missing"),
        (
            vec!["send", "--to", "1", "--timeout", "3y", "hi"],
            "invalid duration \"3y\"",
        ),
        (
            vec!["send", "--to", "1", "--bind", "rx", "hi"],
            "not possible here",
        ),
        (
            vec!["send", "--to", "1", "--bind", "tx", "--wait-receipt", "hi"],
            "needs --bind trx",
        ),
        (
            vec!["send", "--to", "1", "--encoding", "utf8", "hi"],
            "unknown encoding",
        ),
        (
            vec!["send", "--to", "1", "--encoding", "gsm7", "😀"],
            "cannot encode",
        ),
        (
            vec!["send", "--to", "1", "--bogus", "hi"],
            "unknown option \"--bogus\"",
        ),
        (
            vec!["send", "--wait-receipt=yes", "--to", "1", "hi"],
            "takes no value",
        ),
        (vec!["listen", "--count"], "needs a value"),
        (
            vec!["listen", "--count", "x"],
            "invalid value \"x\" for --count",
        ),
        (vec!["listen", "--timeout", "-1"], "invalid duration"),
        (vec!["smsc", "--reject-rate", "1.5"], "between 0 and 1"),
        (
            vec!["smsc", "--account", "nopassword"],
            "SYSTEM_ID:PASSWORD",
        ),
        (
            vec!["smsc", "--inactivity-timeout", "soon"],
            "invalid duration",
        ),
        (vec!["smsc", "extra"], "unexpected argument"),
        (vec!["bench", "--binds", "0"], "at least 1"),
        (vec!["bench", "--rate", "0"], "positive"),
        (vec!["demo", "--what"], "unknown option"),
    ] {
        let out = run(&args);
        out.expect_code(2);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
}

#[test]
fn durations_with_units_are_accepted() {
    // Nothing listens on port 1: the command fails at connect, after parsing.
    for d in ["3", "500ms", "3s", "2m", "1.5s"] {
        let out = run(&[
            "send",
            "--connect",
            "127.0.0.1:1",
            "--timeout",
            d,
            "--to",
            "1",
            "hi",
        ]);
        out.expect_code(1);
        assert!(out.stderr.contains("127.0.0.1:1"), "{d}: {}", out.stderr);
    }
}

#[test]
fn demo_runs_the_whole_exchange() {
    let started = std::time::Instant::now();
    let out = run(&["demo"]);
    out.expect_code(0);
    let submitted = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("-> submit_sm part "))
        .count();
    let receipts: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("<- deliver_sm delivery receipt for part "))
        .collect();
    assert!(submitted >= 2, "{}", out.stdout);
    assert_eq!(receipts.len(), submitted, "{}", out.stdout);
    assert!(receipts
        .iter()
        .all(|r| r.contains("stat=DELIVRD") && r.contains(" id=")));
    assert!(out.stdout.contains("UCS2"));
    assert!(out.stdout.contains("<- unbind_resp"));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn bench_against_the_simulator() {
    let smsc = Smsc::start(&[]);
    let out = smsc.run(
        "bench",
        &[
            "--count", "3000", "--binds", "2", "--window", "64", "--json",
        ],
    );
    out.expect_code(0);
    let last = out.stdout.lines().last().expect("output");
    let v: serde_json::Value = serde_json::from_str(last).expect("JSON on the last line");
    assert_eq!(v["sent"], 3000);
    assert_eq!(v["ok"], 3000);
    assert_eq!(v["errors"], 0);
    assert_eq!(v["binds"], 2);
    assert_eq!(v["window"], 64);
    assert!(v["msgs_per_sec"].as_f64().unwrap() > 0.0);
    for k in ["p50_ms", "p99_ms", "max_ms"] {
        assert!(v[k].as_f64().is_some(), "{k} in {v}");
    }
    assert!(v["p50_ms"].as_f64() <= v["p99_ms"].as_f64());
    assert!(v["p99_ms"].as_f64() <= v["max_ms"].as_f64());
    assert!(out
        .stdout
        .lines()
        .next()
        .unwrap()
        .contains(" msgs/s: 3000 answered of 3000"));
    assert!(out.stdout.contains("errors: 0"));

    // Message payloads above 254 octets, and a rate limit.
    let out = smsc.run(
        "bench",
        &[
            "--count", "200", "--size", "1000", "--rate", "2000", "--json",
        ],
    );
    out.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(out.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(v["sent"], 200);
    assert!(
        v["elapsed_s"].as_f64().unwrap() >= 0.09,
        "rate limited: {v}"
    );
}

#[test]
fn bench_reports_errors_and_fails() {
    // One burst of 150 (the window): the SMSC accepts 100 in the second and throttles the rest.
    // (A longer run would wait: the client backs off after ESME_RTHROTTLED, as it should.)
    let smsc = Smsc::start(&["--throttle-rate", "100"]);
    let out = smsc.run("bench", &["--count", "150", "--window", "150", "--json"]);
    out.expect_code(1);
    let v: serde_json::Value = serde_json::from_str(out.stdout.lines().last().unwrap()).unwrap();
    let throttled = v["errors_by_status"]["ESME_RTHROTTLED"]
        .as_u64()
        .unwrap_or(0);
    assert!((50..=150).contains(&throttled), "{v}");
    assert_eq!(v["errors"].as_u64(), Some(throttled));
    assert_eq!(v["sent"], 150, "every request answered");
    assert_eq!(v["ok"].as_u64(), Some(150 - throttled));
    assert!(out.stdout.contains("ESME_RTHROTTLED: "), "{}", out.stdout);

    let smsc = Smsc::start(&["--reject-rate", "0.5"]);
    let out = smsc.run("bench", &["--count", "1000", "--json"]);
    out.expect_code(1);
    let v: serde_json::Value = serde_json::from_str(out.stdout.lines().last().unwrap()).unwrap();
    let rejected = v["errors_by_status"]["ESME_RSUBMITFAIL"].as_u64().unwrap();
    assert!((350..650).contains(&rejected), "about half: {v}");
}

#[test]
fn bench_fails_when_the_bind_fails() {
    let smsc = Smsc::start(&[]);
    let out = smsc.run("bench", &["--password", "nope", "--count", "10"]);
    out.expect_code(1);
    assert!(
        out.stderr.contains("bind failed: ESME_RBINDFAIL"),
        "{}",
        out.stderr
    );
}
