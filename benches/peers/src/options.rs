//! The command line.

use crate::cell::Settings;
use crate::error::Error;
use crate::matrix::{Axes, ServerKind};
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// What to run and how to report it.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The knobs' values to cross.
    pub axes: Axes,
    /// Messages per cell and the time limit.
    pub settings: Settings,
    /// Also print the results as one JSON object on the last line.
    pub json: bool,
    /// Only run a server of this kind (until interrupted), for clients in another process.
    pub serve: Option<ServerKind>,
    /// The port `serve` listens on (0: a free one).
    pub port: u16,
}

/// The `--help` text.
pub const HELP: &str = "\
smpp-peers-bench: submit_sm throughput of SMPP clients against SMPP servers

Usage: cargo run --release --manifest-path benches/peers/Cargo.toml -- [options]

Crosses every client (smpp-smol, smpp34, rusmppc) with every server (smpp-sim,
smpp34) without and with delivery receipts, at each window (submit_sm in
flight per bind) and bind count, one cell after another in this process.
Each cell gets a fresh server on 127.0.0.1, binds its transceivers, then
sends COUNT submit_sm shared over the binds and waits for every response and
(with receipts) every receipt, or for the time limit. Prints a Markdown
table to standard output (progress goes to standard error).

Options:
  --count N            submit_sm per cell, shared over its binds (default 10000)
  --time-limit SECS    the most a cell's load may take; a cell still running
                       then is reported as not finished, with its partial
                       figures (default 10)
  --clients LIST       comma-separated, of smpp-smol, smpp34, rusmppc (default all)
  --servers LIST       comma-separated, of smpp-sim, smpp34 (default all)
  --receipts LIST      comma-separated, of no, yes (default no,yes)
  --windows LIST       comma-separated windows (default 1,16,256)
  --refill LIST        comma-separated, of oldest, any (default oldest,any): when a
                       window slot is refilled: once the oldest outstanding
                       request is answered (as `smpp bench` does), or once any
                       is; window 1 runs once
  --binds LIST         comma-separated bind counts (default 1,4)
  --smol-peer-window N the smpp-smol client's session.peer_window (requests of
                       the server left unanswered by the application before
                       the session answers ESME_RTHROTTLED); default: the
                       library's (64)
  --json               also print the results as one JSON object on the last line
  -h, --help           show this help

Client and server in two processes:
  --serve KIND         only run a server (smpp-sim or smpp34) on 127.0.0.1 and
                       print its address; it accepts the accounts of the
                       largest --binds; serves until interrupted (Ctrl-C)
  --port PORT          the port --serve listens on (default: a free one)
  --connect ADDR       run the cells against the server of --servers (one)
                       listening at ADDR instead of a fresh one per cell
";

/// `Ok(None)`: help was asked for.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, Error> {
    let mut o = Options {
        axes: Axes::default(),
        settings: Settings {
            count: 10_000,
            limit: Duration::from_secs(10),
            smol_peer_window: None,
            connect: None,
        },
        json: false,
        serve: None,
        port: 0,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| Error::Usage(format!("{name} needs a value")))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--json" => o.json = true,
            "--count" => o.settings.count = number(&name, &value()?)?,
            "--time-limit" => {
                let secs: f64 = number(&name, &value()?)?;
                if !(secs > 0.0 && secs.is_finite()) {
                    return Err(Error::Usage("--time-limit must be positive".into()));
                }
                o.settings.limit = Duration::from_secs_f64(secs);
            }
            "--smol-peer-window" => {
                let p: usize = number(&name, &value()?)?;
                if p == 0 {
                    return Err(Error::Usage("--smol-peer-window must be at least 1".into()));
                }
                o.settings.smol_peer_window = Some(p);
            }
            "--serve" => o.serve = Some(value()?.parse().map_err(Error::Usage)?),
            "--port" => o.port = number(&name, &value()?)?,
            "--connect" => {
                let addr: SocketAddr = number(&name, &value()?)?;
                o.settings.connect = Some(addr);
            }
            "--clients" => o.axes.clients = list(&name, &value()?)?,
            "--servers" => o.axes.servers = list(&name, &value()?)?,
            "--windows" => o.axes.windows = list(&name, &value()?)?,
            "--binds" => o.axes.binds = list(&name, &value()?)?,
            "--refill" => o.axes.refills = list(&name, &value()?)?,
            "--receipts" => {
                o.axes.receipts = value()?
                    .split(',')
                    .map(|s| match s.trim() {
                        "no" | "off" => Ok(false),
                        "yes" | "on" => Ok(true),
                        other => Err(Error::Usage(format!(
                            "--receipts: {other:?} is neither no nor yes"
                        ))),
                    })
                    .collect::<Result<_, _>>()?;
            }
            other => return Err(Error::Usage(format!("unknown option {other:?}"))),
        }
    }
    if o.axes.windows.contains(&0) || o.axes.binds.contains(&0) {
        return Err(Error::Usage(
            "windows and bind counts must be at least 1".into(),
        ));
    }
    if o.settings.connect.is_some() && o.axes.servers.len() != 1 {
        return Err(Error::Usage(
            "--connect needs --servers naming the one server that runs there".into(),
        ));
    }
    if o.settings.count == 0 {
        return Err(Error::Usage("--count must be at least 1".into()));
    }
    Ok(Some(o))
}

fn number<T: FromStr>(name: &str, s: &str) -> Result<T, Error> {
    s.trim()
        .parse()
        .map_err(|_| Error::Usage(format!("{name}: {s:?} is not a valid number")))
}

fn list<T: FromStr>(name: &str, s: &str) -> Result<Vec<T>, Error>
where
    T::Err: std::fmt::Display,
{
    let items: Vec<T> = s
        .split(',')
        .map(|item| {
            item.trim()
                .parse()
                .map_err(|e| Error::Usage(format!("{name}: {item:?}: {e}")))
        })
        .collect::<Result<_, _>>()?;
    if items.is_empty() {
        return Err(Error::Usage(format!("{name} needs at least one value")));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{ClientKind, ServerKind};

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn defaults_cross_everything() {
        let o = parse(Vec::new()).unwrap().unwrap();
        assert_eq!(o.axes, Axes::default());
        assert_eq!(o.settings.count, 10_000);
    }

    #[test]
    fn options_parse() {
        let o = parse(args(
            "--count 500 --time-limit=2.5 --clients smpp34,rusmppc --servers smpp-sim \
             --receipts yes --windows 16 --binds 4 --json",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(o.settings.count, 500);
        assert_eq!(o.settings.limit, Duration::from_millis(2500));
        assert_eq!(
            o.axes.clients,
            vec![ClientKind::Smpp34, ClientKind::Rusmppc]
        );
        assert_eq!(o.axes.servers, vec![ServerKind::SmppSim]);
        assert_eq!(o.axes.receipts, vec![true]);
        assert_eq!(
            (o.axes.windows.clone(), o.axes.binds.clone()),
            (vec![16], vec![4])
        );
        assert!(o.json);
        assert!(parse(args("--help")).unwrap().is_none());
        assert!(parse(args("--windows 0")).is_err());
        assert!(parse(args("--clients nope")).is_err());
        assert!(parse(args("--count")).is_err());
        assert!(parse(args("--connect 127.0.0.1:2775")).is_err());
        let o = parse(args("--connect 127.0.0.1:2775 --servers smpp34"))
            .unwrap()
            .unwrap();
        assert_eq!(o.settings.connect, "127.0.0.1:2775".parse().ok());
        let o = parse(args("--serve smpp-sim --port 2776"))
            .unwrap()
            .unwrap();
        assert_eq!((o.serve, o.port), (Some(ServerKind::SmppSim), 2776));
    }
}
