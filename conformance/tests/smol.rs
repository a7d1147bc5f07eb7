//! The conformance suite over `smpp-smol` (real TCP on 127.0.0.1).

smpp_conformance::conformance_suite!(smpp_conformance::SmolRuntime);
// The delivery scenarios again with each delivery store.
smpp_conformance::delivery_store_suite!(smpp_conformance::SmolRuntime, embedded);
smpp_conformance::delivery_store_suite!(smpp_conformance::SmolRuntime, redis);
