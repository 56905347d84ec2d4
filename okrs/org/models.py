"""People, teams, the organisation's settings, API tokens and the audit log."""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone as djtz

from okrs.channels.base import EMAIL, channel_choices

KEY_VALIDATOR = RegexValidator(
    r"^[a-z0-9][a-z0-9-]*$",
    "use lowercase letters, digits and '-' (starting with a letter or digit)",
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"unknown timezone {value!r}") from exc


class Organisation(models.Model):
    """The one organisation this deployment serves, with its scoring thresholds."""

    name = models.CharField(max_length=200, default="My organisation")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    grace = models.FloatField(default=0.1, help_text="expected below this is too early to judge")
    on_track_threshold = models.FloatField(default=0.7)
    at_risk_threshold = models.FloatField(default=0.4)
    stale_after_days = models.FloatField(default=10)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Organisation:
        org = cls.objects.order_by("pk").first()
        if org is None:
            # A fixed id: two fresh processes asking at once still share one organisation.
            org, _ = cls.objects.get_or_create(pk=1)
        return org


class Role(models.TextChoices):
    ADMIN = "admin"
    LEAD = "lead"
    MEMBER = "member"
    VIEWER = "viewer"


class PersonManager(BaseUserManager["Person"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> Person:
        person = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        person.save(using=self._db)
        return person

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> Person:
        extra.setdefault("role", Role.ADMIN)
        return self.create_user(email, password, **extra)


class Person(AbstractBaseUser, PermissionsMixin):
    """A user. The email is the identity, also for matching Slack and Teams accounts."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    # Any channel of the registry; the choices are read from it, so a new one needs no migration.
    channel = models.CharField(max_length=10, choices=channel_choices, default=EMAIL)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=djtz.now)

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("email",)

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def is_staff(self) -> bool:
        return self.role == Role.ADMIN


class Team(models.Model):
    """A named group; teams nest (departments hold teams)."""

    key = models.SlugField(max_length=64, unique=True, validators=[KEY_VALIDATOR])
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    lead = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="teams_led"
    )
    timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    checkin_day = models.CharField(
        max_length=10, default="monday", choices=[(d, d) for d in WEEKDAYS]
    )
    members = models.ManyToManyField(Person, blank=True, related_name="teams")

    class Meta:
        ordering = ("key",)

    def __str__(self) -> str:
        return self.name


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: nobody can guess the preimage, and
    # a slow hash would cost every API request tens of milliseconds.
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API; only its hash is stored, the token is shown once."""

    PREFIX = "okrs_"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=16, help_text="first characters, to tell tokens apart")
    created_at = models.DateTimeField(default=djtz.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.hint}… ({self.name or 'token'})"

    @classmethod
    def issue(cls, person: Person, name: str = "") -> tuple[ApiToken, str]:
        token = cls.PREFIX + secrets.token_urlsafe(32)
        row = cls.objects.create(
            person=person, name=name, digest=hash_token(token), hint=token[:12]
        )
        return row, token

    @classmethod
    def authenticate(cls, token: str) -> Person | None:
        row = (
            cls.objects.select_related("person")
            .filter(digest=hash_token(token), revoked_at__isnull=True, person__is_active=True)
            .first()
        )
        if row is None:
            return None
        now = djtz.now()
        # Writing on every request would serialise API traffic on SQLite; a minute is precise
        # enough for "last used".
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.person


class AuditEntry(models.Model):
    """One write: who, through which channel, what, before, after, when. Never updated."""

    at = models.DateTimeField(default=djtz.now, db_index=True)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    channel = models.CharField(max_length=16, help_text="web, api, cli, apply, slack, ...")
    action = models.CharField(max_length=16, help_text="create, update, delete")
    entity = models.CharField(max_length=32, help_text="person, team, cycle, objective, ...")
    ref = models.CharField(max_length=300, help_text="the entity's key or reference")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes: ClassVar = [models.Index(fields=["entity", "ref"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.entity} {self.ref}"
