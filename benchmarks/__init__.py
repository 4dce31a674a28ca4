"""Benchmarks: a realistic estate generator and scripts that time the audit at scale (see README.md)."""
