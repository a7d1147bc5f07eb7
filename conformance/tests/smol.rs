//! The conformance suite over `smpp-smol` (real TCP on 127.0.0.1).

smpp_conformance::conformance_suite!(smpp_conformance::SmolRuntime);
