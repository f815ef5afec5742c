"""Benchmarks (development tools, outside the runtime): ``make bench-console``."""
