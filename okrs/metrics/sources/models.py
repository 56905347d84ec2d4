"""Named credentials for metric sources, stored encrypted and referenced by name.

A key result's source says `credential: prod-prometheus`; the plan file (kept in git) never
holds the token itself. Admins manage credentials on /settings/sources/.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import models
from django.utils import timezone

from okrs.crypto import EncryptedTextField
from okrs.org.models import KEY_VALIDATOR, Person


def fingerprint(source: Any) -> str:
    """Identifies a source configuration: the sync state belongs to one fingerprint."""
    if not source:
        return ""
    text = json.dumps(source, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Credential(models.Model):
    """The secret parameters of one backend kind (e.g. a Jira email and API token)."""

    name = models.CharField(max_length=64, unique=True, validators=[KEY_VALIDATOR])
    kind = models.CharField(max_length=32, help_text="the source backend it is for")
    # A JSON object of secret parameter name -> value, encrypted as a whole.
    secret_values = EncryptedTextField(blank=True)
    description = models.CharField(max_length=200, blank=True)
    # For a backend that sends its secrets over HTTP: the only site they are sent to (scheme,
    # host, port and path prefix). Blank: the backend's default site (api.github.com, ...).
    site = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def secrets(self) -> dict[str, str]:
        if not self.secret_values:
            return {}
        loaded = json.loads(self.secret_values)
        return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}

    def set_secrets(self, values: dict[str, str]) -> None:
        self.secret_values = json.dumps(values, sort_keys=True) if values else ""

    def description_for_audit(self) -> dict[str, object]:
        """What the audit log keeps: which parameters are set, never their values."""
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "site": self.site,
            "parameters_set": sorted(self.secrets()),
        }


class SyncState(models.Model):
    """Where the sync of one bound key result stands (okrs/metrics/sources/sync.py).

    One row per key result that has had a source, created by its first sync. The state
    belongs to the source configuration whose fingerprint is `fingerprint`: when the source
    changes, the state starts afresh (due now, no failures, no flag), whichever channel
    changed it. While a sync runs, `running_since` names its claim and `next_sync_at` is the
    end of its lease. `last_attempt_at` is when the latest sync claimed the row, whatever its
    outcome: a delivery event received since then may hold data that sync did not read
    (okrs/metrics/sources/freshness.py).
    """

    key_result = models.OneToOneField(
        "goals.KeyResult", on_delete=models.CASCADE, primary_key=True, related_name="sync_state"
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    next_sync_at = models.DateTimeField(null=True, blank=True, db_index=True)
    failures = models.PositiveIntegerField(default=0, help_text="failures in a row")
    flagged = models.BooleanField(
        default=False, help_text="failed permanently: not synced until the source changes"
    )
    fingerprint = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    running_since = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sync of key result {self.key_result_id}"

    def belongs_to(self, source: Any) -> bool:
        """The state was recorded for this source configuration (not an earlier one)."""
        return bool(source) and self.fingerprint == fingerprint(source)
