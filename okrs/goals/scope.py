"""What every goals page needs: the organisation, the cycle being looked at, the instant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404, HttpRequest
from django.utils import timezone

from okrs.goals.evaluation import current_cycle
from okrs.goals.models import Cycle
from okrs.org.models import Organisation


@dataclass(frozen=True)
class PageScope:
    organisation: Organisation
    cycle: Cycle | None
    cycles: list[Cycle]
    as_of: dt.datetime


def page_scope(request: HttpRequest) -> PageScope:
    """The cycle from `?cycle=KEY` (default: the current one), evaluated now."""
    org = Organisation.current()
    now = timezone.now()
    cycles = list(Cycle.objects.order_by("-start", "key"))
    key = request.GET.get("cycle")
    if key:
        cycle = next((c for c in cycles if c.key == key), None)
        if cycle is None:
            raise Http404(f"no cycle {key!r}")
    else:
        cycle = current_cycle(now, org)
    return PageScope(org, cycle, cycles, now)
