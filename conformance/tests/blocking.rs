//! The conformance suite over `smpp-blocking` (real TCP on 127.0.0.1).
#![cfg(feature = "blocking")]

smpp_conformance::conformance_suite!(smpp_conformance::BlockingRuntime);
// The delivery scenarios again with each delivery store.
smpp_conformance::delivery_store_suite!(smpp_conformance::BlockingRuntime, embedded);
smpp_conformance::delivery_store_suite!(smpp_conformance::BlockingRuntime, redis);
