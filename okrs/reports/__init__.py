"""Quarterly business review."""
