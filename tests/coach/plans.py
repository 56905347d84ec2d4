"""Small plan documents for the coach's tests."""

from __future__ import annotations

HEADER = """\
organisation: Acme
cycles:
  - {key: 2026-Q4, start: 2026-10-01, end: 2026-12-31}
people:
  - {email: maya@acme.test, name: Maya Patel}
  - {email: sam@acme.test, name: Sam Reyes}
teams:
  - {key: platform, name: Platform, lead: maya@acme.test}
objectives:
  - key: grow
    cycle: 2026-Q4
    level: company
    title: Grow revenue from self-serve customers
    owner: maya@acme.test
    key_results:
      - {key: arr, title: Grow ARR from 4.2 to 5.0, owner: maya@acme.test,
         baseline: 4.2, target: 5.0}
      - {key: conv, title: Raise trial conversion from 9% to 12%, owner: sam@acme.test,
         baseline: 9, target: 12}
"""

GOOD = (
    HEADER
    + """\
  - key: deploys
    cycle: 2026-Q4
    level: team
    team: platform
    title: Make deployments boring
    owner: maya@acme.test
    aligns_to: grow
    key_results:
      - key: lead-time
        title: Reduce deployment lead time from 4 days to 6 hours
        owner: maya@acme.test
        baseline: 96
        target: 6
      - key: cfr
        title: Keep the change failure rate below 5%
        owner: sam@acme.test
        kind: stay_below
        target: 5
"""
)

WEAK = (
    HEADER
    + """\
  - key: kubernetes
    cycle: 2026-Q4
    level: team
    team: platform
    title: Move 100% of our services to Kubernetes
    owner: maya@acme.test
    key_results:
      - key: migrate
        title: Complete the Kubernetes migration
        owner: platform
        kind: milestone
"""
)
