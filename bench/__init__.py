"""Benchmarks for matching quality, speed and fairness."""
