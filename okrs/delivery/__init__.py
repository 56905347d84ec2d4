"""Delivery events and DORA."""
