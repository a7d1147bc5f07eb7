//! Message helpers: text encodings, long-message split and reassembly, delivery receipts.
