"""The SCIM endpoints checked by the compliance checker scim2-tester, against okrs served on
127.0.0.1: discovery, create, read, replace, delete and PATCH add/remove/replace of every
attribute, for Users and Groups (docs/scim.md, "Compliance")."""

from __future__ import annotations

from collections import Counter
from typing import Any

from scim2_tester import check_server
from scim2_tester.utils import Status

PASSED = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}

# The one check okrs does not pass, on purpose: a PATCH removing `active` leaves the person as
# they are and the answer still says `active`, because okrs always knows whether a person is
# active (docs/scim.md says so). Anything else failing fails this test.
KNOWN_DEVIATIONS = {
    ("check_remove_attribute", "User", "PATCH modify() did not remove attribute 'active'")
}


def test_the_compliance_checker_passes_every_check_but_the_documented_one(
    scim: Any,
) -> None:
    results = check_server(scim)

    statuses = Counter(result.status.name for result in results)
    failed = {
        (result.title, result.resource_type, result.reason)
        for result in results
        if result.status not in PASSED | {Status.SKIPPED}
    }
    skipped = {result.title for result in results if result.status == Status.SKIPPED}
    print(f"scim2-tester: {len(results)} checks, {dict(statuses)}")  # the figures for CI's log
    assert failed == KNOWN_DEVIATIONS
    # Skipped only where okrs answers 501 as the RFC allows: a search over every resource type
    # at once (/.search at the root); one resource type at a time is searched and checked.
    assert skipped == {"search_with_attributes"}
    assert statuses["SUCCESS"] >= 60
