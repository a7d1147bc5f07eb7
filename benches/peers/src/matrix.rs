//! The implementations crossed and the cells of the matrix.

use std::fmt;
use std::str::FromStr;

/// A client implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientKind {
    /// This project's smol client, `smpp_smol::Client`.
    SmppSmol,
    /// `smpp34`'s `SmppClient` (tokio).
    Smpp34,
    /// `rusmppc`'s `Client` (tokio), binding with interface version 3.4.
    Rusmppc,
}

impl ClientKind {
    /// Every client, in table order.
    pub const ALL: [ClientKind; 3] = [
        ClientKind::SmppSmol,
        ClientKind::Smpp34,
        ClientKind::Rusmppc,
    ];

    /// The name in the table and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            ClientKind::SmppSmol => "smpp-smol",
            ClientKind::Smpp34 => "smpp34",
            ClientKind::Rusmppc => "rusmppc",
        }
    }
}

/// A server implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerKind {
    /// This project's SMSC simulator (what `smpp smsc` runs) on `smpp_smol::Server`.
    SmppSim,
    /// `smpp34`'s `SmppServer` (tokio) with a minimal listener.
    Smpp34,
}

impl ServerKind {
    /// Every server, in table order.
    pub const ALL: [ServerKind; 2] = [ServerKind::SmppSim, ServerKind::Smpp34];

    /// The name in the table and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            ServerKind::SmppSim => "smpp-sim",
            ServerKind::Smpp34 => "smpp34",
        }
    }
}

/// When a window slot is refilled: how the application waits for its responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refill {
    /// Responses are taken in the order the requests were sent (as `smpp bench` does): a
    /// slot is refilled once the oldest outstanding request is answered, whatever came
    /// before it.
    Oldest,
    /// A slot is refilled as soon as any outstanding request is answered.
    Any,
}

impl Refill {
    /// Both, in table order.
    pub const ALL: [Refill; 2] = [Refill::Oldest, Refill::Any];

    /// The name in the table and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Refill::Oldest => "oldest",
            Refill::Any => "any",
        }
    }
}

macro_rules! named {
    ($t:ty, $what:literal) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $t {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                <$t>::ALL
                    .into_iter()
                    .find(|k| k.name().eq_ignore_ascii_case(s))
                    .ok_or_else(|| {
                        let names: Vec<&str> = <$t>::ALL.iter().map(|k| k.name()).collect();
                        format!("unknown {} {s:?} (one of {})", $what, names.join(", "))
                    })
            }
        }
    };
}

named!(ClientKind, "client");
named!(ServerKind, "server");
named!(Refill, "refill order");

/// One measurement: a client against a server with one setting of each knob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The client implementation.
    pub client: ClientKind,
    /// The server implementation.
    pub server: ServerKind,
    /// `registered_delivery` 1: the server sends a receipt for each message, which the
    /// client counts and answers.
    pub receipts: bool,
    /// `submit_sm` in flight per bind.
    pub window: usize,
    /// When a slot of the window is refilled.
    pub refill: Refill,
    /// Binds (TCP connections, each a transceiver with an account of its own).
    pub binds: usize,
}

/// Which values of each knob to cross.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Axes {
    /// Clients.
    pub clients: Vec<ClientKind>,
    /// Servers.
    pub servers: Vec<ServerKind>,
    /// Without and/or with receipts.
    pub receipts: Vec<bool>,
    /// Windows.
    pub windows: Vec<usize>,
    /// Refill orders.
    pub refills: Vec<Refill>,
    /// Bind counts.
    pub binds: Vec<usize>,
}

impl Default for Axes {
    /// Everything: 3 clients × 2 servers × receipts off/on × windows 1, 16, 256 × refill
    /// oldest/any × 1 and 4 binds. (At window 1 both refill orders are the same: that
    /// window is run once, as `oldest`.)
    fn default() -> Self {
        Axes {
            clients: ClientKind::ALL.to_vec(),
            servers: ServerKind::ALL.to_vec(),
            receipts: vec![false, true],
            windows: vec![1, 16, 256],
            refills: Refill::ALL.to_vec(),
            binds: vec![1, 4],
        }
    }
}

impl Axes {
    /// Every combination, client outermost, bind count innermost; window 1 once (its
    /// refill orders do not differ: one request is outstanding).
    pub fn cells(&self) -> Vec<Cell> {
        let mut cells = Vec::new();
        for &client in &self.clients {
            for &server in &self.servers {
                for &receipts in &self.receipts {
                    for &window in &self.windows {
                        for (i, &refill) in self.refills.iter().enumerate() {
                            if window == 1 && i > 0 {
                                continue;
                            }
                            for &binds in &self.binds {
                                cells.push(Cell {
                                    client,
                                    server,
                                    receipts,
                                    window,
                                    refill,
                                    binds,
                                });
                            }
                        }
                    }
                }
            }
        }
        cells
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_matrix_has_120_cells() {
        // 3 clients × 2 servers × 2 receipts × (1 + 2 + 2 window/refill) × 2 bind counts.
        assert_eq!(Axes::default().cells().len(), 120);
    }

    #[test]
    fn names_parse_back() {
        for k in ClientKind::ALL {
            assert_eq!(k.name().parse::<ClientKind>(), Ok(k));
        }
        for k in ServerKind::ALL {
            assert_eq!(k.name().parse::<ServerKind>(), Ok(k));
        }
        assert!("nope".parse::<ServerKind>().is_err());
        assert_eq!("any".parse::<Refill>(), Ok(Refill::Any));
    }
}
