//! The results as a Markdown table and as one JSON object.

use crate::cell::{Outcome, Settings, Status};
use serde_json::{json, Value};
use std::fmt::Write;

/// The table's header and rule.
const HEADER: &str = "| client | server | receipts | window | refill | binds | messages | seconds | msgs/s | receipts received | errors | note |\n\
|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|\n";

/// What the note column says about a cell: nothing when it finished cleanly.
pub fn note(o: &Outcome) -> String {
    let mut parts = Vec::new();
    match &o.status {
        Status::Done => {}
        Status::TimeLimit => {
            let mut s = format!(
                "did not finish within the time limit: {} of {} answered",
                o.ok + o.errors,
                o.attempted
            );
            if o.cell.receipts {
                let _ = write!(s, ", {} of {} receipts", o.receipts, o.ok);
            }
            parts.push(s);
        }
        Status::Failed(why) => parts.push(format!("not measured: {why}")),
    }
    if let Some(e) = &o.first_error {
        parts.push(format!("first error: {e}"));
    }
    parts.join("; ").replace('|', "/")
}

/// One row of the table.
pub fn row(o: &Outcome) -> String {
    let c = &o.cell;
    let measured = !matches!(o.status, Status::Failed(_));
    let num = |s: String| if measured { s } else { "-".into() };
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        c.client,
        c.server,
        if c.receipts { "yes" } else { "no" },
        c.window,
        if c.window == 1 { "-" } else { c.refill.name() },
        c.binds,
        num(o.ok.to_string()),
        num(format!("{:.3}", o.seconds)),
        num(format!("{:.0}", o.rate())),
        num(if c.receipts {
            o.receipts.to_string()
        } else {
            "-".into()
        }),
        num(o.errors.to_string()),
        note(o),
    )
}

/// The whole table.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut out = String::from(HEADER);
    for o in outcomes {
        out.push_str(&row(o));
        out.push('\n');
    }
    out
}

/// Everything as one JSON object: the run's settings and a `cells` array.
pub fn json(started: &str, settings: &Settings, outcomes: &[Outcome]) -> String {
    let cells: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let c = &o.cell;
            let status = match &o.status {
                Status::Done => "done",
                Status::TimeLimit => "time_limit",
                Status::Failed(_) => "failed",
            };
            json!({
                "client": c.client.name(),
                "server": c.server.name(),
                "receipts": c.receipts,
                "window": c.window,
                "refill": c.refill.name(),
                "binds": c.binds,
                "attempted": o.attempted,
                "messages": o.ok,
                "seconds": o.seconds,
                "msgs_per_sec": o.rate(),
                "receipts_received": o.receipts,
                "errors": o.errors,
                "status": status,
                "note": note(o),
            })
        })
        .collect();
    smpp_cli::json::to_string(&json!({
        "started": started,
        "count": settings.count,
        "time_limit_s": settings.limit.as_secs_f64(),
        "cells": cells,
    }))
}
