"""Who may bind a key result to a source, or change its source: an admin (the rule and its
reasons are in okrs/org/permissions.py, with every other permission)."""

from __future__ import annotations

from okrs.org.permissions import SOURCE_REFUSAL as REFUSAL
from okrs.org.permissions import may_bind_sources, require_source_permission

__all__ = ["REFUSAL", "may_bind_sources", "require_source_permission"]
