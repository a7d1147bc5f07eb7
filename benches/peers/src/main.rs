//! `smpp-peers-bench`: `submit_sm` throughput of SMPP clients of several implementations
//! against SMPP servers of several implementations, every pair in one process so that the
//! figures compare as ratios.
//!
//! - [`matrix`]: the implementations and the cells crossed.
//! - [`server`]: the project's SMSC simulator and `smpp34`'s server.
//! - [`client`]: the project's smol client, `smpp34`'s and `rusmppc`'s clients, and the
//!   load loop they share.
//! - [`cell`]: one cell, start to finish, bounded in time.
//! - [`report`]: the Markdown table and the JSON.
//!
//! With `--serve` the process only runs one server, for the cells of another process
//! started with `--connect`.
//!
//! Threads: the project's client and simulator run on smol's global executor (its
//! default thread count), `smpp34` and `rusmppc` on a multi-thread tokio runtime with two
//! workers; this thread only drives the cells. Every implementation's sockets are left as
//! it sets them up.

mod cell;
mod client;
mod counters;
mod error;
mod matrix;
mod message;
mod options;
mod report;
mod server;
mod task;

use std::process::ExitCode;

/// Worker threads of the tokio runtime the other implementations run on.
const TOKIO_WORKERS: usize = 2;

fn main() -> ExitCode {
    let o = match options::parse(std::env::args().skip(1)) {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{}", options::HELP);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("smpp-peers-bench: {e} (see --help)");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(TOKIO_WORKERS)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("smpp-peers-bench: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(kind) = o.serve {
        let binds = o.axes.binds.iter().copied().max().unwrap_or(1);
        return runtime.block_on(serve(kind, binds, o.port));
    }
    let cells = o.axes.cells();
    let started = smpp_cli::sim::utc_timestamp();
    eprintln!(
        "{} cells, {} submit_sm each, time limit {:?} per cell",
        cells.len(),
        o.settings.count,
        o.settings.limit
    );
    let outcomes = runtime.block_on(async {
        let mut outcomes = Vec::with_capacity(cells.len());
        for (i, c) in cells.iter().enumerate() {
            let outcome = cell::run(*c, &o.settings).await;
            eprintln!("[{}/{}] {}", i + 1, cells.len(), report::row(&outcome));
            outcomes.push(outcome);
        }
        outcomes
    });
    println!(
        "Started {started}; {} submit_sm per cell ({} octets of text), time limit {:?} per \
         cell; {} CPUs.\n",
        o.settings.count,
        message::TEXT_LEN,
        o.settings.limit,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    print!("{}", report::table(&outcomes));
    if o.json {
        println!("{}", report::json(&started, &o.settings, &outcomes));
    }
    // Sessions of the other implementations that did not end in time are left to the
    // runtime's shutdown rather than waited for.
    runtime.shutdown_background();
    ExitCode::SUCCESS
}

/// `--serve`: one server until Ctrl-C.
async fn serve(kind: matrix::ServerKind, binds: usize, port: u16) -> ExitCode {
    let server = match server::Server::start(kind, binds, port).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("smpp-peers-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{kind} listening on {}", server.addr());
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("smpp-peers-bench: cannot wait for Ctrl-C: {e}");
    }
    server.stop().await;
    ExitCode::SUCCESS
}
