"""What provisioning keeps beside people and teams: the identity provider's tokens, and its
view of each person and team it manages (the attributes okrs does not use itself)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone as djtz

from okrs.org.models import Person, Team, hash_token


class ScimToken(models.Model):
    """A bearer token for /scim/v2/ only; only its hash is stored, the token is shown once.

    It belongs to no person and lives apart from API tokens, so it opens nothing but the SCIM
    endpoints, and an API token never opens those.
    """

    PREFIX = "okrs_scim_"

    name = models.CharField(max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=20, help_text="first characters, to tell tokens apart")
    created_at = models.DateTimeField(default=djtz.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.hint}… ({self.name or 'SCIM token'})"

    @classmethod
    def issue(cls, name: str = "") -> tuple[ScimToken, str]:
        token = cls.PREFIX + secrets.token_urlsafe(32)
        row = cls.objects.create(name=name, digest=hash_token(token), hint=token[:16])
        return row, token

    @classmethod
    def authenticate(cls, token: str) -> ScimToken | None:
        row = cls.objects.filter(digest=hash_token(token), revoked_at__isnull=True).first()
        if row is None:
            return None
        now = djtz.now()
        # As for API tokens: a minute is precise enough for "last used", and a write on every
        # request would serialise a provider's bursts on SQLite.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=row.pk).update(last_used_at=now)
        return row


class ScimUser(models.Model):
    """The identity provider's record of a person: its userName and the attributes it sent.

    `attributes` holds the SCIM attributes as last written (without id, meta, active or any
    password), so a read gives back what the provider wrote; okrs takes the person's email and
    name from them on every write, and `active` from the person itself.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="scim")
    user_name = models.CharField(max_length=300, unique=True)
    attributes = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.user_name


class ScimGroup(models.Model):
    """The identity provider's record of a team: the attributes it sent besides the members,
    which are the team's own."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="scim")
    attributes = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.team.key
