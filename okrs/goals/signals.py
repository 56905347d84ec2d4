"""What the plan announces to the rooms that build on it (they connect in their AppConfig)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once a cycle's final scores are stored and committed, with `cycle` and `now`. A
# receiver's failure must not undo the freeze: receivers catch and log their own errors.
cycle_frozen = Signal()
