//! The conformance suite over `smpp-blocking` (real TCP on 127.0.0.1).
#![cfg(feature = "blocking")]

smpp_conformance::conformance_suite!(smpp_conformance::BlockingRuntime);
