"""Metric sources that update key results by themselves (section 9). See okrs.sources.registry."""
