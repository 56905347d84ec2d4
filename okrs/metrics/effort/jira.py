"""An issue's epic, asked of Jira Cloud, for the third linking method (docs/effort.md).

GET /rest/api/3/issue/{KEY}?fields=parent,issuetype with the Jira credential's account email
and API token as HTTP basic auth, sent only to the credential's own site. Jira Cloud gives an
issue's epic as its `parent`, in company-managed and team-managed projects alike; the parent
of a sub-task is a story or task, whose own parent is then asked for. An issue type with
`hierarchyLevel` 1 is an epic.

The credential is the one named by OKRS_EFFORT_JIRA_CREDENTIAL, or else the only credential of
kind `jira` (admins keep credentials on /settings/sources/). With none, or several and none
named, or one without a site, nothing is asked and issue keys link only when listed themselves.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.conf import settings

from okrs.crypto import DecryptionFailed
from okrs.metrics.sources.http import HttpFailure, request_json
from okrs.metrics.sources.models import Credential
from okrs.metrics.sources.registry import SourceError
from okrs.metrics.sources.sync import credential_site

log = logging.getLogger(__name__)

EPIC_LEVEL = 1
# An issue, its parent, and that parent's parent: a sub-task's story, then the story's epic.
MOST_HOPS = 3


@dataclass(frozen=True)
class JiraAccess:
    credential: str
    site: str
    email: str = field(repr=False)
    api_token: str = field(repr=False)

    def authorization(self) -> str:
        pair = f"{self.email}:{self.api_token}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


def jira_access() -> JiraAccess | None:
    """The Jira credential effort may use, or None (and why, in the log) when there is none."""
    named = getattr(settings, "EFFORT_JIRA_CREDENTIAL", "")
    if named:
        credential = Credential.objects.filter(name=named, kind="jira").first()
        if credential is None:
            log.warning("OKRS_EFFORT_JIRA_CREDENTIAL names no Jira credential %r", named)
            return None
    else:
        found = list(Credential.objects.filter(kind="jira")[:2])
        if len(found) != 1:
            return None  # none, or several and OKRS_EFFORT_JIRA_CREDENTIAL does not choose
        credential = found[0]
    site = credential_site(credential)
    if not site:
        log.warning("Jira credential %r names no site: epics are not looked up", credential.name)
        return None
    try:
        secrets = credential.secrets()
    except DecryptionFailed:
        log.warning("Jira credential %r cannot be decrypted", credential.name)
        return None
    email, token = secrets.get("email", ""), secrets.get("api_token", "")
    if not email or not token:
        log.warning("Jira credential %r lacks an email or an API token", credential.name)
        return None
    return JiraAccess(credential.name, site.rstrip("/"), email, token)


def _issue(access: JiraAccess, key: str) -> dict[str, Any] | None:
    """The issue's fields, or None when Jira has no such issue (or may not show it)."""
    url = f"{access.site}/rest/api/3/issue/{quote(key)}?fields=parent,issuetype"
    try:
        answer = request_json(
            "GET", url, what="Jira", headers={"Authorization": access.authorization()}
        )
    except HttpFailure as failure:
        if failure.status == 404:
            return None
        raise
    fields = answer.get("fields") if isinstance(answer, dict) else None
    if not isinstance(fields, dict):
        raise SourceError("Jira's answer has no fields", permanent=False)
    return fields


def _level(fields: dict[str, Any]) -> int | None:
    kind = fields.get("issuetype")
    level = kind.get("hierarchyLevel") if isinstance(kind, dict) else None
    return level if isinstance(level, int) and not isinstance(level, bool) else None


def epic_of(key: str, *, access: JiraAccess) -> str:
    """The key of the issue's epic, "" when it has none or Jira has no such issue.

    SourceError when Jira cannot answer: permanent for refused credentials, temporary for an
    outage, so the caller knows whether asking later can help."""
    current = key
    for _ in range(MOST_HOPS):
        fields = _issue(access, current)
        if fields is None:
            return ""
        if current != key and _level(fields) == EPIC_LEVEL:
            return current
        parent = fields.get("parent")
        parent_key = parent.get("key") if isinstance(parent, dict) else None
        if not isinstance(parent_key, str) or not parent_key:
            return ""
        parent_fields = parent.get("fields") if isinstance(parent, dict) else None
        if isinstance(parent_fields, dict) and _level(parent_fields) == EPIC_LEVEL:
            return parent_key.upper()
        current = parent_key.upper()
    return ""
