"""The demo loaded once for a whole test module, as it takes seconds to load.

Each test still runs in its own transaction (pytest-django's `db`), so whatever a test changes is
rolled back before the next one sees the demo; at the module's end the database is emptied again
(Django's flush, as its own TransactionTestCase does), so other modules find it as usual.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from okrs.demo.load import DemoResult, load_demo


def demo_loaded_once(today: dt.datetime) -> Callable[..., Any]:
    """A module-scoped fixture: the demo loaded as of `today`, its DemoResult."""

    @pytest.fixture(scope="module")
    def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoResult]:
        with django_db_blocker.unblock():
            try:
                with time_machine.travel(today, tick=False):
                    result = load_demo(today=today)
                yield result
            finally:
                call_command("flush", interactive=False, verbosity=0)
                ContentType.objects.clear_cache()  # the flush gave content types new ids

    return loaded
