"""The metrics room: what key results are measured from.

- `delivery`: delivery events (deployments, changes, incidents) received by webhook, their
  ingestion, and the DORA metrics computed from them (`delivery.dora` is the pure arithmetic,
  `delivery.dora_database` the same in one SQL statement).
- `sources`: the registry of metric sources with every backend (Prometheus, SQL, HTTP JSON,
  GitHub, Jira, PagerDuty and the DORA metrics themselves) and the sync that feeds key results.
"""
