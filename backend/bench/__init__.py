"""Load and fault proofs of the stack: `make bench`, `make drill`, `make invariants` (see BENCHMARKS.md)."""
