"""Insights: alerts, digests, end of cycle."""
