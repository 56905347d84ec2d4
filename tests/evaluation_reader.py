"""A process that reads the current cycle's statuses on request (tests/test_evaluation_cache.py).

Each line on stdin, `cached` or `uncached`, is answered with one line of JSON on stdout: the
status of every key result of the current cycle now, and the queries the read took.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okrs.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from okrs.goals.evaluation import current_cycle, evaluate_cycle

    for line in sys.stdin:
        now = timezone.now()
        cycle = current_cycle(now)
        assert cycle is not None
        with CaptureQueriesContext(connection) as queries:
            state = evaluate_cycle(cycle, as_of=now, cached=line.strip() == "cached")
        statuses = {kr.key_result.ref: kr.result.status for kr in state.key_results()}
        print(json.dumps({"statuses": statuses, "queries": len(queries)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
