"""Who may bind a key result to a source, or change its source.

A source decides where a credential's secret is sent and what the server reads: binding one is
an admin's job, like managing credentials. The command line (`okrs apply` run by the server's
operator) and the system's own tasks are trusted: an actor marked trusted, or one with no person
behind it (the system writing on its own; every web and API request has a signed-in person).
"""

from __future__ import annotations

from typing import Any

from okrs.org.audit import Actor
from okrs.org.models import Person
from okrs.org.permissions import PermissionDenied, is_admin

REFUSAL = "Only admins bind a key result to a metric source or change its source."


def may_bind_sources(person: Person | None) -> bool:
    return is_admin(person)


def require_source_permission(actor: Actor, *, before: Any, after: Any) -> None:
    """PermissionDenied when `actor` changes a source (`before` -> `after`) without the right."""
    if (before or None) == (after or None) or actor.trusted or actor.person is None:
        return
    if may_bind_sources(actor.person):
        return
    raise PermissionDenied(REFUSAL)
