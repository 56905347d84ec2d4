"""How long a worker's claim on a row lasts, and how the worker keeps it while it works.

Background work that talks to the outside world (a metric source's fetch, a nudge or an alert
sent to Slack, Teams or a mail server) first claims its row with a conditional UPDATE, so that
two workers never do it both. A claim that has not been renewed for LEASE belongs to a worker
that died (killed, out of memory, its machine gone): another worker takes the row over. The
periodic tasks run every minute, so that happens at the first minute after the lease ran out,
at most LEASE + 1 minute after the worker stopped renewing: under two minutes.

Why a short lease renewed while the work runs, rather than a lease longer than any work: some
work is slow on purpose (a SQL source may run for up to 300 s; an HTTP backend makes several
calls of up to 15 s; an SMTP conversation has several steps of up to 30 s each). A lease that
outlasts them would keep a killed worker's row for many minutes, and cutting every fetch to fit
a short lease would refuse sources that work today. So the worker renews its claim every
RENEW_EVERY from a thread of its own while the work runs: a live worker keeps its row however
long its fetch takes, so the work is never done twice at once, and a dead one stops renewing
at once. Three renewals in a row may fail (a busy database) before the lease runs out.

Renewal stops after LONGEST_HOLD, so that a call hanging for ever does not hold its row for
ever; whoever then takes the row over does the work again, and the late result of the hung call
is refused, since only the claim's holder may write the outcome.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connections
from django.utils import timezone

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=45)
RENEW_EVERY = dt.timedelta(seconds=15)
LONGEST_HOLD = dt.timedelta(minutes=15)


class Keeper:
    """Renews one claim from a thread of its own until the work is done.

    `renew(at)` writes the claim's new time `at` with a conditional UPDATE and says whether the
    row was still ours; once it was not (taken over, or voided), renewing stops for good.
    """

    def __init__(self, renew: Callable[[dt.datetime], bool], *, claimed_at: dt.datetime) -> None:
        self._renew = renew
        self._claimed_at = claimed_at
        # The claim's clock is the caller's (tests and benchmarks run their own): renewals add
        # the time that passed since the claim to it.
        self._started = timezone.now()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="claim-keeper", daemon=True)
        self.renewals = 0
        self.lost = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._done.wait(RENEW_EVERY.total_seconds()):
                elapsed = timezone.now() - self._started
                if elapsed >= LONGEST_HOLD:
                    log.warning("a claim held for %s is no longer renewed", LONGEST_HOLD)
                    return
                try:
                    still_ours = self._renew(self._claimed_at + elapsed)
                except Exception as exc:  # a database hiccup: the next renewal may pass
                    log.warning("renewing a claim failed: %s", type(exc).__name__)
                    continue
                finally:
                    # Back to the pool between renewals: the thread whose work this is holds a
                    # connection already, and a web process has one per request thread only.
                    connections.close_all()
                if not still_ours:
                    self.lost = True
                    return
                self.renewals += 1
        finally:
            # This thread's own connection: never left open for the pool or the server to
            # reclaim.
            connections.close_all()


@contextmanager
def kept(renew: Callable[[dt.datetime], bool], *, claimed_at: dt.datetime) -> Iterator[Keeper]:
    """Keep a claim alive for the duration of the `with` block (see the module docstring)."""
    keeper = Keeper(renew, claimed_at=claimed_at)
    keeper.start()
    try:
        yield keeper
    finally:
        keeper.stop()
