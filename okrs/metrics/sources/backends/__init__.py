"""One module per metric-source backend; each registers itself with `sources.registry`."""
