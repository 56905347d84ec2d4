"""Metric sources that update key results by themselves. See `registry`."""
