"""Performance benchmark: a large generated organisation and timings of the heaviest routes.

`python -m okrs.bench` (or `make bench`) generates the organisation in a fresh database per
backend, times the dashboard, the alignment map and a check-in, and compares them with targets.
"""
