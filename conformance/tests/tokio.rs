//! The conformance suite over `smpp-tokio` (real TCP on 127.0.0.1).
#![cfg(feature = "tokio")]

smpp_conformance::conformance_suite!(smpp_conformance::TokioRuntime);
