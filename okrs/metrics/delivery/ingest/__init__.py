"""Delivery event ingestion: one module per provider, the shared records, and the services."""
