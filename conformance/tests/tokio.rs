//! The conformance suite over `smpp-tokio` (real TCP on 127.0.0.1).
#![cfg(feature = "tokio")]

smpp_conformance::conformance_suite!(smpp_conformance::TokioRuntime);
// The delivery scenarios again with each delivery store.
smpp_conformance::delivery_store_suite!(smpp_conformance::TokioRuntime, embedded);
smpp_conformance::delivery_store_suite!(smpp_conformance::TokioRuntime, redis);
