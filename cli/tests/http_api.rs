//! `smpp smsc --http`: the control plane over real HTTP against the running binary, with
//! `smpp listen` and `smpp send` as the ESMEs.

mod cli_common;

use cli_common::{Proc, LIMIT};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A simulator with its control plane, both on free ports.
struct Sim {
    proc: Proc,
    smpp: String,
    http: String,
}

impl Sim {
    fn start(extra: &[&str]) -> Sim {
        let mut args = vec![
            "smsc",
            "--listen",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--account",
            "smppclient1:password",
            "--account",
            "shop:secret",
        ];
        args.extend_from_slice(extra);
        let proc = Proc::spawn(&args);
        let smpp = last_word(&proc.wait_stderr_line("listening on "));
        let http = proc
            .wait_stderr_line("control plane on http://")
            .rsplit("http://")
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_string();
        Sim { proc, smpp, http }
    }

    /// `smpp CMD --connect SMPP ARGS` in the background.
    fn spawn(&self, command: &str, args: &[&str]) -> Proc {
        let mut all = vec![command, "--connect", self.smpp.as_str()];
        all.extend_from_slice(args);
        Proc::spawn(&all)
    }

    fn get(&self, path: &str) -> Reply {
        http(&self.http, "GET", path, None)
    }

    fn post(&self, path: &str, body: &str) -> Reply {
        http(&self.http, "POST", path, Some(body.as_bytes()))
    }

    fn delete(&self, path: &str) -> Reply {
        http(&self.http, "DELETE", path, None)
    }

    /// The sessions listed, once `ready` holds for them (polled, bounded).
    fn sessions_when(&self, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        wait_for("the session list", || {
            let r = self.get("/api/sessions");
            assert_eq!(r.status, 200, "{}", r.body);
            let list = r.json()["sessions"].as_array().unwrap().clone();
            ready(&list).then_some(list)
        })
    }
}

fn last_word(line: &str) -> String {
    line.rsplit(' ').next().unwrap().to_string()
}

/// An HTTP answer.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    /// `(status, field)` of an error answer, checking it is a JSON error object.
    fn error(&self) -> (u16, Value) {
        let v = self.json();
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()),
            "no error message: {self:?}"
        );
        assert!(
            self.headers.contains("Content-Type: application/json"),
            "{self:?}"
        );
        (self.status, v["field"].clone())
    }
}

/// One HTTP/1.1 request on its own connection (`Connection: close`), read to the end.
fn http(addr: &str, method: &str, path: &str, body: Option<&[u8]>) -> Reply {
    let mut s = TcpStream::connect(addr).expect("the control plane accepts");
    s.set_read_timeout(Some(LIMIT)).unwrap();
    let body = body.unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    // A server may answer (413) and close before taking the whole body.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (headers, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let status = headers
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {headers:?}"));
    Reply {
        status,
        headers: headers.to_string(),
        body: body.to_string(),
    }
}

/// Polls `f` until it gives a value (every 20 ms, failing after [`LIMIT`]).
fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_stdout(p: &Proc, needle: &str) -> String {
    wait_for(&format!("{needle:?} on stdout"), || {
        let out = p.stdout_now();
        out.lines().find(|l| l.contains(needle)).map(str::to_string)
    })
}

#[test]
fn an_mo_posted_over_http_reaches_smpp_listen() {
    let sim = Sim::start(&[]);
    let listen = sim.spawn("listen", &[]);
    listen.wait_stderr_line("bound to");
    sim.sessions_when(|s| s.len() == 1);

    let r = sim.post(
        "/api/mo",
        r#"{"account":"smppclient1","from":"447700900001","to":"12345","text":"hello over http"}"#,
    );
    assert_eq!(r.status, 202, "{r:?}");
    let sent = r.json();
    assert_eq!(sent["account"], "smppclient1");
    assert_eq!(sent["parts"], 1);
    assert!(sent["delivery_ids"][0].as_u64().is_some(), "{sent}");
    let line = wait_stdout(&listen, "hello over http");
    assert_eq!(
        line,
        r#"message from 447700900001 to 12345 (GSM7): "hello over http""#
    );

    // A long one in UCS2, to the bind rather than the account: split, sent, reassembled.
    let bind_id = sim.sessions_when(|s| s.len() == 1)[0]["bind_id"].clone();
    let text = "Ünïcode ".repeat(20);
    let body = json!({"bind_id": bind_id, "from": "447700900002", "to": "12345", "text": text, "encoding": "ucs2", "split": "sar"});
    let r = sim.post("/api/mo", &body.to_string());
    assert_eq!(r.status, 202, "{r:?}");
    assert_eq!(r.json()["parts"], 3, "{r:?}");
    let line = wait_stdout(&listen, "3 parts");
    assert_eq!(
        line,
        format!("message from 447700900002 to 12345 (UCS2, 3 parts): {text:?}")
    );
    // The store is empty once all were delivered, and the metrics counted them.
    wait_for("an empty store", || {
        (sim.get("/api/store").json()["depth"] == 0).then_some(())
    });
    drop(listen);
    drop(sim);
}

#[test]
fn a_forced_undeliv_receipt_reaches_send_wait_receipt() {
    let sim = Sim::start(&["--hold-receipts"]);
    let send = sim.spawn(
        "send",
        &[
            "--system-id",
            "shop",
            "--password",
            "secret",
            "--to",
            "447700900123",
            "--wait-receipt",
            "--timeout",
            "60s",
            "held for the test",
        ],
    );
    let part = wait_stdout(&send, "part 1/1 message_id=");
    let id = part.rsplit('=').next().unwrap().to_string();

    // The message is listed, text decoded, its receipt held.
    let list = sim.get("/api/messages?account=shop&limit=10").json();
    let m = &list["messages"][0];
    assert_eq!(m["message_id"], id.as_str(), "{list}");
    assert_eq!(m["text"], "held for the test");
    assert_eq!(m["destinations"], json!(["447700900123"]));
    assert_eq!(m["receipt"], json!({"state": "held"}));
    // Another account's filter leaves it out.
    let other = sim.get("/api/messages?account=smppclient1").json();
    assert_eq!(other["messages"], json!([]));
    // And a cursor past it, too.
    let seq = m["seq"].as_u64().unwrap();
    let later = sim.get(&format!("/api/messages?since={seq}")).json();
    assert_eq!(later["messages"], json!([]));

    let r = sim.post(
        "/api/receipts",
        &json!({"message_id": id, "stat": "UNDELIV", "err": 13}).to_string(),
    );
    assert_eq!(r.status, 202, "{r:?}");
    assert_eq!(r.json()["stat"], "UNDELIV");
    let out = send.wait();
    // Not DELIVRD: exit status 1.
    out.expect_code(1);
    let receipt = out
        .stdout
        .lines()
        .find(|l| l.starts_with("receipt 1/1"))
        .unwrap_or_else(|| panic!("no receipt line:\n{}", out.stdout));
    assert!(
        receipt.starts_with(&format!("receipt 1/1 id={id} stat=UNDELIV err=013 ")),
        "{receipt}"
    );
    let m = &sim.get("/api/messages?account=shop").json()["messages"][0];
    assert_eq!(m["receipt"]["state"], "sent", "{m}");
    assert_eq!(m["receipt"]["stat"], "UNDELIV", "{m}");
    assert_eq!(m["receipt"]["err"], 13, "{m}");
}

#[test]
fn sessions_are_listed_unbound_and_aborted() {
    let sim = Sim::start(&[]);
    let listen = sim.spawn("listen", &[]);
    listen.wait_stderr_line("bound to");
    let sessions = sim.sessions_when(|s| s.len() == 1);
    let s = &sessions[0];
    assert_eq!(s["account"], "smppclient1");
    assert_eq!(s["bind_type"], "receiver");
    assert_eq!(s["state"], "BOUND_RX");
    assert!(s["peer"].as_str().unwrap().starts_with("127.0.0.1:"), "{s}");
    assert!(
        s["connected_since"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{s}"
    );
    assert_eq!(
        s["counters"]["requests_received"]["bind_receiver"], 1,
        "{s}"
    );
    assert_eq!(s["window"]["outbound"]["in_flight"], 0, "{s}");
    assert_eq!(s["window"]["inbound"]["size"], 512, "{s}");
    let id = s["bind_id"].as_u64().unwrap();
    let one = sim.get(&format!("/api/sessions/{id}"));
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["bind_id"], id);

    let r = sim.delete(&format!("/api/sessions/{id}"));
    assert_eq!(r.status, 202, "{r:?}");
    assert_eq!(r.json(), json!({"bind_id": id, "action": "unbind"}));
    let out = listen.wait();
    assert!(
        out.stderr.contains("the connection closed") && out.stderr.contains("peer unbound"),
        "{}",
        out.stderr
    );
    sim.sessions_when(|s| s.is_empty());
    assert_eq!(
        sim.delete(&format!("/api/sessions/{id}")).error(),
        (404, json!("id"))
    );

    // Abort: the connection is dropped without an unbind.
    let listen = sim.spawn("listen", &[]);
    listen.wait_stderr_line("bound to");
    let id = sim.sessions_when(|s| s.len() == 1)[0]["bind_id"]
        .as_u64()
        .unwrap();
    let r = sim.delete(&format!("/api/sessions/{id}?abort=true"));
    assert_eq!(r.status, 202, "{r:?}");
    assert_eq!(r.json()["action"], "abort");
    let out = listen.wait();
    assert!(
        out.stderr.contains("the connection closed"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("peer unbound"), "{}", out.stderr);
    sim.sessions_when(|s| s.is_empty());
}

/// The value of the one sample of `metric` whose labels include `labels`.
fn sample(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<&prometheus_parse::Sample> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .collect();
    assert_eq!(found.len(), 1, "{metric} {labels:?}: {found:?}");
    match &found[0].value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => *v,
        other => panic!("{metric}: {other:?}"),
    }
}

fn scrape(sim: &Sim) -> prometheus_parse::Scrape {
    let r = sim.get("/metrics");
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.headers.contains("text"), "{r:?}");
    prometheus_parse::Scrape::parse(r.body.lines().map(|l| Ok(l.to_string())))
        .unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

#[test]
fn metrics_parse_and_count() {
    let sim = Sim::start(&[]);
    let listen = sim.spawn("listen", &[]);
    listen.wait_stderr_line("bound to");
    let out = Proc::spawn(&[
        "send",
        "--connect",
        sim.smpp.as_str(),
        "--system-id",
        "shop",
        "--password",
        "secret",
        "--to",
        "447700900123",
        "--wait-receipt",
        "one",
    ])
    .wait();
    out.expect_code(0);
    for text in ["two", "three"] {
        Proc::spawn(&[
            "send",
            "--connect",
            sim.smpp.as_str(),
            "--system-id",
            "shop",
            "--password",
            "secret",
            "--to",
            "1",
            text,
        ])
        .wait()
        .expect_code(0);
    }
    let refused = Proc::spawn(&[
        "send",
        "--connect",
        sim.smpp.as_str(),
        "--password",
        "wrong",
        "--to",
        "1",
        "x",
    ])
    .wait();
    refused.expect_code(1);

    let m = wait_for("the counters", || {
        let m = scrape(&sim);
        let failed = m
            .samples
            .iter()
            .any(|s| s.metric == "smpp_binds_failed_total");
        failed.then_some(m)
    });
    let submits = sample(
        &m,
        "smpp_pdus_total",
        &[
            ("direction", "in"),
            ("command", "submit_sm"),
            ("status", "ESME_ROK"),
        ],
    );
    assert_eq!(submits, 3.0);
    let resps = sample(
        &m,
        "smpp_pdus_total",
        &[
            ("direction", "out"),
            ("command", "submit_sm_resp"),
            ("status", "ESME_ROK"),
        ],
    );
    assert_eq!(resps, 3.0);
    // The receipt went out as a deliver_sm and came back answered.
    let delivers = sample(
        &m,
        "smpp_pdus_total",
        &[
            ("direction", "out"),
            ("command", "deliver_sm"),
            ("status", "ESME_ROK"),
        ],
    );
    assert_eq!(delivers, 1.0);
    assert_eq!(
        sample(
            &m,
            "smpp_binds_failed_total",
            &[("status", "ESME_RBINDFAIL")]
        ),
        1.0
    );
    assert_eq!(
        sample(
            &m,
            "smpp_binds",
            &[("account", "smppclient1"), ("bind_type", "receiver")]
        ),
        1.0
    );
    assert_eq!(
        sample(
            &m,
            "smpp_binds",
            &[("account", "shop"), ("bind_type", "transceiver")]
        ),
        0.0
    );
    assert_eq!(sample(&m, "smpp_deliveries_delivered_total", &[]), 1.0);
    assert_eq!(sample(&m, "smpp_store_depth", &[]), 0.0);
    // Latencies both ways: the ESMEs' requests answered (binds, submits, unbinds) and the
    // simulator's answered (the receipt).
    let hist = |dir: &str| {
        m.samples
            .iter()
            .find(|s| {
                s.metric == "smpp_response_latency_seconds"
                    && s.labels.get("direction") == Some(dir)
            })
            .map(|s| match &s.value {
                prometheus_parse::Value::Histogram(h) => h.last().map_or(0.0, |b| b.count),
                other => panic!("{other:?}"),
            })
            .unwrap_or_else(|| panic!("no {dir} histogram"))
    };
    assert!(hist("inbound") >= 3.0, "{}", hist("inbound"));
    assert_eq!(hist("outbound"), 1.0);
    drop(listen);
}

#[test]
fn bad_requests_get_clear_4xx_json_errors() {
    let sim = Sim::start(&[]);
    // Malformed and invalid bodies, naming the field where there is one.
    assert_eq!(
        sim.post("/api/mo", "{\"account\":").error(),
        (400, Value::Null)
    );
    assert_eq!(sim.post("/api/mo", "[1,2]").error(), (400, Value::Null));
    assert_eq!(sim.post("/api/mo", "").error(), (400, Value::Null));
    assert_eq!(
        sim.post(
            "/api/mo",
            r#"{"account":"smppclient1","from":"1","to":"2"}"#
        )
        .error(),
        (400, json!("text"))
    );
    assert_eq!(
        sim.post(
            "/api/mo",
            r#"{"account":"smppclient1","from":"1","to":"123456789012345678901","text":"x"}"#
        )
        .error(),
        (400, json!("to"))
    );
    assert_eq!(
        sim.post(
            "/api/mo",
            r#"{"account":"smppclient1","from":"1","to":"2","text":"€","encoding":"latin1"}"#
        )
        .error(),
        (400, json!("text"))
    );
    assert_eq!(
        sim.post("/api/mo", r#"{"from":"1","to":"2","text":"x"}"#)
            .error(),
        (400, json!("account"))
    );
    assert_eq!(
        sim.post(
            "/api/receipts",
            r#"{"message_id":"0000000001","stat":"DELIVRD","err":1000}"#
        )
        .error(),
        (400, json!("err"))
    );
    // Oversized.
    let big = format!("{{\"text\":\"{}\"}}", "x".repeat(70 * 1024));
    let r = sim.post("/api/mo", &big);
    assert_eq!(r.error(), (413, Value::Null));
    // Unknown ids.
    assert_eq!(
        sim.post(
            "/api/mo",
            r#"{"bind_id":42,"from":"1","to":"2","text":"x"}"#
        )
        .error(),
        (404, json!("bind_id"))
    );
    assert_eq!(
        sim.post(
            "/api/receipts",
            r#"{"message_id":"00000000ff","stat":"UNDELIV"}"#
        )
        .error(),
        (404, json!("message_id"))
    );
    assert_eq!(sim.delete("/api/sessions/42").error(), (404, json!("id")));
    // Unknown paths, wrong methods, unknown query parameters.
    assert_eq!(sim.get("/api/nothing").error(), (404, Value::Null));
    let r = sim.get("/api/mo");
    assert!(r.headers.contains("Allow: POST"), "{r:?}");
    assert_eq!(r.error(), (405, Value::Null));
    assert_eq!(sim.delete("/api/sessions").error(), (405, Value::Null));
    assert_eq!(
        sim.get("/api/messages?limit=x").error(),
        (400, json!("limit"))
    );
    assert_eq!(sim.get("/api/sessions?x=1").error(), (400, json!("x")));
    // None of it reached the SMPP side: no MO counted, nothing stored.
    assert_eq!(sim.get("/api/store").json()["depth"], 0);
    let m = scrape(&sim);
    assert!(
        !m.samples.iter().any(|s| s.metric == "smpp_pdus_total"),
        "{:?}",
        m.samples
    );
    // The dashboard is the embedded page.
    let page = sim.get("/");
    assert_eq!(page.status, 200);
    assert!(page.headers.contains("Content-Type: text/html"), "{page:?}");
    assert!(page.body.contains("id=\"mo-form\""));
    sim.proc.terminate();
    sim.proc.wait().expect_code(0);
}

#[test]
fn control_plane_options_need_http() {
    let out = cli_common::run(&["smsc", "--listen", "127.0.0.1:0", "--hold-receipts"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("--hold-receipts needs --http"),
        "{}",
        out.stderr
    );
}
