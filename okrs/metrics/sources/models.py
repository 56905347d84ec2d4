"""Named credentials for metric sources, stored encrypted and referenced by name.

A key result's source says `credential: prod-prometheus`; the plan file (kept in git) never
holds the token itself. Admins manage credentials on /settings/sources/.
"""

from __future__ import annotations

import json

from django.db import models
from django.utils import timezone

from okrs.crypto import EncryptedTextField
from okrs.org.models import KEY_VALIDATOR, Person


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
