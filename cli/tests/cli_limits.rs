//! Degenerate numeric and duration values of every subcommand's options (zero, negative,
//! NaN, infinite, tiny, huge): a usage error (exit 2) naming the option, or sane handling;
//! never a panic.

mod cli_common;

use cli_common::{bench_json, run, Proc, Smsc};
use std::time::{Duration, Instant};

/// The largest u64, as the command line spells it.
const U64_MAX: &str = "18446744073709551615";
/// The longest duration the tool reads (u64::MAX milliseconds).
const LONGEST: &str = "18446744073709551615ms";

fn no_panic(what: &str, stderr: &str) {
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
}

#[test]
fn degenerate_values_are_usage_errors_naming_the_option() {
    let cases: &[(&[&str], &str)] = &[
        // bench
        (&["bench", "--rate", "0"], "--rate must be"),
        (&["bench", "--rate", "-1"], "--rate must be"),
        (&["bench", "--rate", "NaN"], "--rate must be"),
        (&["bench", "--rate", "inf"], "--rate must be"),
        (&["bench", "--rate", "-inf"], "--rate must be"),
        (&["bench", "--rate", "1e-300"], "--rate must be"),
        (&["bench", "--rate", "0.0009"], "--rate must be"),
        (&["bench", "--rate", "fast"], "for --rate"),
        (
            &["bench", "--binds", "0"],
            "--binds must be between 1 and 1000",
        ),
        (
            &["bench", "--binds", "1001"],
            "--binds must be between 1 and 1000",
        ),
        (&["bench", "--binds", U64_MAX], "--binds must be between"),
        (&["bench", "--binds", "99999999999999999999"], "for --binds"),
        (&["bench", "--binds", "-1"], "for --binds"),
        (
            &["bench", "--window", "0"],
            "--window must be between 1 and 100000",
        ),
        (&["bench", "--window", "100001"], "--window must be between"),
        (&["bench", "--window", U64_MAX], "--window must be between"),
        (&["bench", "--count", "-1"], "for --count"),
        (&["bench", "--count", "1e3"], "for --count"),
        (
            &["bench", "--size", "65536"],
            "--size must be between 0 and 65535",
        ),
        (&["bench", "--size", U64_MAX], "--size must be between"),
        (
            &["bench", "--receipts", "--receipt-timeout", "-1"],
            "--receipt-timeout: invalid duration",
        ),
        (
            &[
                "bench",
                "--receipts",
                "--receipt-timeout",
                "99999999999999999999h",
            ],
            "--receipt-timeout: invalid duration",
        ),
        // send
        (
            &["send", "--to", "1", "--timeout", "0", "hi"],
            "--timeout must be more than 0",
        ),
        (
            &["send", "--to", "1", "--timeout", "0ms", "hi"],
            "--timeout must be more than 0",
        ),
        (
            &["send", "--to", "1", "--timeout", "-1s", "hi"],
            "--timeout: invalid duration",
        ),
        (
            &[
                "send",
                "--to",
                "1",
                "--timeout",
                "99999999999999999999h",
                "hi",
            ],
            "--timeout: invalid duration",
        ),
        // listen
        (
            &["listen", "--timeout", "0"],
            "--timeout must be more than 0",
        ),
        (
            &["listen", "--timeout", "NaN"],
            "--timeout: invalid duration",
        ),
        (&["listen", "--count", "-1"], "for --count"),
        // smsc
        (
            &["smsc", "--window", "0"],
            "--window must be between 1 and 100000",
        ),
        (&["smsc", "--window", "100001"], "--window must be between"),
        (&["smsc", "--window", U64_MAX], "--window must be between"),
        (
            &["smsc", "--reject-rate", "NaN"],
            "--reject-rate must be between 0 and 1",
        ),
        (
            &["smsc", "--reject-rate", "inf"],
            "--reject-rate must be between 0 and 1",
        ),
        (
            &["smsc", "--reject-rate", "-0.5"],
            "--reject-rate must be between 0 and 1",
        ),
        (
            &["smsc", "--bind-timeout", "0"],
            "--bind-timeout must be more than 0",
        ),
        (
            &["smsc", "--response-timeout", "0ms"],
            "--response-timeout must be more than 0",
        ),
        (
            &["smsc", "--inactivity-timeout", "-1"],
            "--inactivity-timeout: invalid duration",
        ),
        (&["smsc", "--throttle-rate", "-1"], "for --throttle-rate"),
        (
            &["smsc", "--inactivity-counts", "sometimes"],
            "--inactivity-counts must be any or messages",
        ),
        (
            &["bench", "--inactivity-counts", "all"],
            "--inactivity-counts must be any or messages",
        ),
        (
            &["bench", "--throttle-retries", "1001"],
            "--throttle-retries must be between 0 and 1000",
        ),
        (
            &["send", "--throttle-retries", "-1"],
            "for --throttle-retries",
        ),
        (
            &["smsc", "--throttle-rate", "4294967296"],
            "for --throttle-rate",
        ),
        (
            &["smsc", "--receipt-delay-ms", "-1"],
            "for --receipt-delay-ms",
        ),
        (
            &["smsc", "--receipt-delay-ms", "99999999999999999999"],
            "for --receipt-delay-ms",
        ),
    ];
    for (args, needle) in cases {
        let out = run(args);
        no_panic(&format!("{args:?}"), &out.stderr);
        assert_eq!(out.code(), Some(2), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
}

#[test]
fn extreme_accepted_values_are_handled() {
    // A simulator with every numeric option at an extreme it accepts: receipts delayed
    // for ever, timers that never fire, the largest window, no throttling to speak of.
    let smsc = Smsc::start(&[
        "--window",
        "100000",
        "--receipt-delay-ms",
        U64_MAX,
        "--bind-timeout",
        LONGEST,
        "--inactivity-timeout",
        LONGEST,
        "--response-timeout",
        LONGEST,
        "--throttle-rate",
        "4294967295",
        "--mo-on-bind",
        "hello",
    ]);
    let out = smsc.run(
        "bench",
        &[
            "--binds", "3", "--window", "100000", "--rate", "1e300", "--count", "300", "--json",
        ],
    );
    no_panic("bench", &out.stderr);
    out.expect_code(0);
    assert!(out.stdout.contains("300 answered of 300"), "{}", out.stdout);
    assert_eq!(bench_json(&out.stdout)["ok"], 300);
    let out = smsc.run("bench", &["--count", "0", "--size", "0", "--json"]);
    no_panic("bench --count 0", &out.stderr);
    out.expect_code(0);
    assert!(out.stdout.contains("0 answered of 0"), "{}", out.stdout);
    assert_eq!(bench_json(&out.stdout)["msgs_per_sec"], 0.0);
    // Receipts that never come (delayed for ever), not waited for at all.
    let out = smsc.run(
        "bench",
        &[
            "--count",
            "3",
            "--receipts",
            "--receipt-timeout",
            "0",
            "--json",
        ],
    );
    no_panic("bench --receipts", &out.stderr);
    out.expect_code(1);
    assert_eq!(bench_json(&out.stdout)["receipts_missing"], 3);

    // The longest timeout: the work finishes long before it.
    let out = smsc.run("send", &["--to", "1", "--timeout", LONGEST, "hi"]);
    no_panic("send", &out.stderr);
    out.expect_code(0);
    let out = smsc.run("listen", &["--count", "1", "--timeout", LONGEST]);
    no_panic("listen", &out.stderr);
    out.expect_code(0);
    assert!(out.stdout.contains("\"hello\""), "{}", out.stdout);
    // The largest count: the timeout ends it, as a failure.
    let out = smsc.run("listen", &["--count", U64_MAX, "--timeout", "1s"]);
    no_panic("listen --count", &out.stderr);
    out.expect_code(1);
    assert!(out.stderr.contains("timed out after 1s"), "{}", out.stderr);

    let out = smsc.stop();
    no_panic("smsc", &out.stderr);
    out.expect_code(0);
}

#[test]
fn a_huge_count_runs_without_reserving_memory_for_it() {
    // It once reserved room for every latency up front: a capacity overflow at once.
    let smsc = Smsc::start(&[]);
    let mut bench = smsc.spawn(
        "bench",
        &["--count", U64_MAX, "--binds", "2", "--window", "100000"],
    );
    let until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < until {
        assert!(bench.is_running(), "exited: {}", bench.stderr_now());
        std::thread::sleep(Duration::from_millis(50));
    }
    no_panic("bench", &bench.stderr_now());
    drop(bench);
    let out = smsc.stop();
    no_panic("smsc", &out.stderr);
}

#[test]
fn a_tiny_rate_still_paces() {
    // The lowest rate accepted: the first message goes at once, the second would wait
    // 1000 s; the bench is alive and waiting, not panicking, when it is stopped.
    let smsc = Smsc::start(&[]);
    // The longest receipt timeout: the receipts come, the wait ends with them.
    let out = smsc.run(
        "bench",
        &[
            "--count",
            "3",
            "--receipts",
            "--receipt-timeout",
            LONGEST,
            "--json",
        ],
    );
    no_panic("bench --receipt-timeout", &out.stderr);
    out.expect_code(0);
    assert_eq!(bench_json(&out.stdout)["receipts"], 3);
    let mut bench: Proc = smsc.spawn("bench", &["--rate", "0.001", "--count", "2"]);
    std::thread::sleep(Duration::from_millis(1000));
    assert!(bench.is_running(), "exited: {}", bench.stderr_now());
    no_panic("bench", &bench.stderr_now());
    drop(bench);
    smsc.stop().expect_code(0);
}
