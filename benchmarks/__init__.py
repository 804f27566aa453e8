"""Benchmarks run by hand: `python -m benchmarks.portal` (see benchmarks/README.md)."""
