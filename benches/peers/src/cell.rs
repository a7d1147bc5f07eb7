//! One cell of the matrix, start to finish: a fresh server, the binds, the load, the
//! receipts, every step bounded in time.

use crate::client::{Binds, Load};
use crate::counters::Counters;
use crate::matrix::Cell;
use crate::server::Server;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{sleep, timeout, timeout_at, Instant};

/// How long connecting and binding all of a cell's binds may take.
const BIND_LIMIT: Duration = Duration::from_secs(10);
/// How long closing the binds, and then stopping the server, may each take.
const CLOSE_LIMIT: Duration = Duration::from_secs(5);
/// How often the receipts received are compared with the receipts due.
const RECEIPT_POLL: Duration = Duration::from_millis(1);

/// How every cell runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `submit_sm` per cell, shared out over its binds.
    pub count: u64,
    /// The most time a cell's load (responses and receipts) may take.
    pub limit: Duration,
    /// `session.peer_window` of the smpp-smol client (`None`: the library's default).
    pub smol_peer_window: Option<usize>,
    /// A server already running elsewhere (`--serve` in another process) to connect to,
    /// instead of a fresh one in this process for each cell.
    pub connect: Option<SocketAddr>,
}

/// How a cell ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Every `submit_sm` was answered and, with receipts, every receipt arrived.
    Done,
    /// The time limit came first: the figures are what was done by then.
    TimeLimit,
    /// The cell could not be measured (the server did not start, a bind failed).
    Failed(String),
}

/// What one cell measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The cell.
    pub cell: Cell,
    /// `submit_sm` sent in all.
    pub attempted: u64,
    /// The counts at the end.
    pub ok: u64,
    /// `submit_sm` that failed (error status, timeout, link lost).
    pub errors: u64,
    /// Receipts received.
    pub receipts: u64,
    /// From the first `submit_sm` to the last response or receipt (or to the time limit).
    pub seconds: f64,
    /// How it ended.
    pub status: Status,
    /// The first failure of a request, if any.
    pub first_error: Option<String>,
}

impl Outcome {
    /// `submit_sm` answered `ESME_ROK` per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.ok as f64 / self.seconds
        } else {
            0.0
        }
    }

    fn failed(cell: Cell, attempted: u64, why: String) -> Outcome {
        Outcome {
            cell,
            attempted,
            ok: 0,
            errors: 0,
            receipts: 0,
            seconds: 0.0,
            status: Status::Failed(why),
            first_error: None,
        }
    }
}

/// `count` shared out over `binds` as evenly as it goes.
pub fn shares(count: u64, binds: usize) -> Vec<u64> {
    let binds = binds.max(1) as u64;
    (0..binds)
        .map(|i| count / binds + u64::from(i < count % binds))
        .collect()
}

/// The server of a cell: started for it, or running in another process.
enum Here {
    Started(Server),
    Elsewhere(SocketAddr),
}

impl Here {
    fn addr(&self) -> SocketAddr {
        match self {
            Here::Started(s) => s.addr(),
            Here::Elsewhere(a) => *a,
        }
    }

    async fn stop(self) {
        if let Here::Started(s) = self {
            s.stop().await;
        }
    }
}

/// Runs one cell. Never waits on a peer beyond the limits above and `settings.limit`.
pub async fn run(cell: Cell, settings: &Settings) -> Outcome {
    let attempted = settings.count;
    let server = match settings.connect {
        Some(addr) => Here::Elsewhere(addr),
        None => match Server::start(cell.server, cell.binds, 0).await {
            Ok(s) => Here::Started(s),
            Err(e) => return Outcome::failed(cell, attempted, e.to_string()),
        },
    };
    let counters = Arc::new(Counters::new());
    let connected = timeout(
        BIND_LIMIT,
        Binds::connect(
            cell.client,
            server.addr(),
            cell.binds,
            cell.window,
            settings.smol_peer_window,
            &counters,
        ),
    )
    .await;
    let binds = match connected {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => {
            let _ = timeout(CLOSE_LIMIT, server.stop()).await;
            return Outcome::failed(cell, attempted, e.to_string());
        }
        Err(_) => {
            let _ = timeout(CLOSE_LIMIT, server.stop()).await;
            return Outcome::failed(cell, attempted, format!("not bound within {BIND_LIMIT:?}"));
        }
    };

    let deadline = Instant::now() + settings.limit;
    let start_ns = counters.now_ns();
    let load = Load {
        window: cell.window,
        refill: cell.refill,
        receipts: cell.receipts,
    };
    let mut tasks = binds.start(&shares(settings.count, cell.binds), load, &counters);
    let mut finished = true;
    for t in &mut tasks {
        if timeout_at(deadline, t.join()).await.is_err() {
            finished = false;
            break;
        }
    }
    while finished && cell.receipts {
        let s = counters.snapshot();
        if s.receipts >= s.ok {
            break;
        }
        if Instant::now() >= deadline {
            finished = false;
            break;
        }
        sleep(RECEIPT_POLL).await;
    }
    let end_ns = if finished {
        counters.last_ns()
    } else {
        counters.now_ns()
    };
    let snapshot = counters.snapshot();
    for t in tasks {
        t.cancel().await;
    }
    let _ = timeout(CLOSE_LIMIT, binds.close(finished)).await;
    let _ = timeout(CLOSE_LIMIT, server.stop()).await;

    Outcome {
        cell,
        attempted,
        ok: snapshot.ok,
        errors: snapshot.errors,
        receipts: snapshot.receipts,
        seconds: end_ns.saturating_sub(start_ns) as f64 / 1e9,
        status: if finished {
            Status::Done
        } else {
            Status::TimeLimit
        },
        first_error: counters.first_error(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up() {
        assert_eq!(shares(10, 4), vec![3, 3, 2, 2]);
        assert_eq!(shares(8, 1), vec![8]);
        assert_eq!(shares(3, 4).iter().sum::<u64>(), 3);
    }
}
