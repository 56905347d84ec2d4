"""Admin writes for ingestion: webhook secrets, services and their aliases. Audited, admin only.

A secret is never copied anywhere: the audit entry says that it was set or cleared, and by whom,
not what it is. Web processes keep a decrypted copy (webhook_secrets.py): changing the secret
here drops this process's copy once the change commits, and every other process finds its copy
out of date at its next delivery, because storing one checks the secret in the database.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from okrs.metrics.delivery.ingest import monorepo, webhook_secrets
from okrs.metrics.delivery.ingest.services import PROVIDERS, alias_name, reprocess_unmapped
from okrs.metrics.delivery.models import Service, ServiceAlias, WebhookSecret
from okrs.org.audit import Actor, record, snapshot
from okrs.org.models import KEY_VALIDATOR, Team
from okrs.org.permissions import PermissionDenied, is_admin

MIN_SECRET_LENGTH = 8


class ConfigurationInvalid(ValueError):
    """A value an admin typed cannot be used; the message says why, beside the field."""


def can_configure_events(actor: Actor) -> bool:
    return actor.trusted or is_admin(actor.person)


def _require_admin(actor: Actor) -> None:
    if not can_configure_events(actor):
        raise PermissionDenied("only an admin can configure delivery events")


def _require_provider(provider: str) -> None:
    if provider not in PROVIDERS:
        raise ConfigurationInvalid(f"unknown provider {provider!r}")


@transaction.atomic
def set_webhook_secret(*, actor: Actor, provider: str, secret: str) -> WebhookSecret:
    _require_admin(actor)
    _require_provider(provider)
    secret = secret.strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigurationInvalid(
            f"a webhook secret has at least {MIN_SECRET_LENGTH} characters "
            "(for example from “openssl rand -hex 32”)"
        )
    row = WebhookSecret.objects.select_for_update().filter(provider=provider).first()
    replaced = row is not None
    if row is None:
        row = WebhookSecret(provider=provider)
    row.secret = secret
    row.updated_by = actor.person
    row.save()
    transaction.on_commit(lambda: webhook_secrets.forget(provider))
    record(
        actor,
        action="update" if replaced else "create",
        entity="webhook_secret",
        ref=provider,
        before={"provider": provider, "set": True} if replaced else None,
        after={"provider": provider, "set": True},
    )
    return row


@transaction.atomic
def clear_webhook_secret(*, actor: Actor, provider: str) -> bool:
    """Remove the secret: the provider's deliveries are refused until one is set again."""
    _require_admin(actor)
    _require_provider(provider)
    deleted, _ = WebhookSecret.objects.filter(provider=provider).delete()
    transaction.on_commit(lambda: webhook_secrets.forget(provider))
    if deleted:
        record(
            actor,
            action="delete",
            entity="webhook_secret",
            ref=provider,
            before={"provider": provider, "set": True},
        )
    return bool(deleted)


def _team(team_key: str) -> Team | None:
    if not team_key:
        return None
    team = Team.objects.filter(key=team_key).first()
    if team is None:
        raise ConfigurationInvalid(f"no team {team_key!r}")
    return team


@transaction.atomic
def create_service(*, actor: Actor, key: str, name: str, team_key: str = "") -> Service:
    _require_admin(actor)
    key = key.strip()
    try:
        KEY_VALIDATOR(key)
    except ValidationError as exc:
        raise ConfigurationInvalid(f"key: {exc.messages[0]}") from exc
    if len(key) > 64:
        raise ConfigurationInvalid("key: at most 64 characters")
    if Service.objects.filter(key=key).exists():
        raise ConfigurationInvalid(f"a service {key!r} already exists")
    service = Service.objects.create(key=key, name=name.strip()[:200] or key, team=_team(team_key))
    record(actor, action="create", entity="service", ref=key, after=snapshot(service))
    return service


@transaction.atomic
def set_service_team(*, actor: Actor, service: Service, team_key: str) -> Service:
    _require_admin(actor)
    before = snapshot(service)
    service.team = _team(team_key)
    service.save(update_fields=["team"])
    after = snapshot(service)
    if before != after:
        record(
            actor, action="update", entity="service", ref=service.key, before=before, after=after
        )
    return service


@transaction.atomic
def delete_service(*, actor: Actor, service: Service) -> None:
    """Delete a service with its aliases and its deployments, changes and incidents. The raw
    deliveries stay: adding the service and its aliases again and replaying them restores it."""
    _require_admin(actor)
    before = snapshot(service)
    before["aliases"] = [str(alias) for alias in service.aliases.all()]
    key = service.key
    service.delete()
    record(actor, action="delete", entity="service", ref=key, before=before)


@transaction.atomic
def create_alias(*, actor: Actor, service: Service, provider: str, external: str) -> ServiceAlias:
    """Map a provider's name for a service to it, then normalise the deliveries that arrived
    for that name before the mapping existed.

    For GitHub, GitLab and generic names, `repository:path/` maps the files under a path of a
    monorepo to the service (monorepo.py); a repository is then either one service as a whole
    or a monorepo split by paths, not both, or a push would belong to both at once."""
    _require_admin(actor)
    _require_provider(provider)
    name = _alias_external(provider, external)
    if len(name) > 300:
        raise ConfigurationInvalid("the provider's name is longer than 300 characters")
    existing = ServiceAlias.objects.filter(provider=provider, external=name).first()
    if existing is not None:
        raise ConfigurationInvalid(
            f"{provider} {name!r} already belongs to the service {existing.service.key!r}"
        )
    _refuse_mixing_whole_and_paths(provider, name)
    alias = ServiceAlias.objects.create(provider=provider, external=name, service=service)
    record(actor, action="create", entity="service_alias", ref=str(alias), after=snapshot(alias))
    return alias


def _alias_external(provider: str, external: str) -> str:
    """The alias as stored: the repository as the provider compares names, the path as git
    keeps it (case-sensitive, a directory ending in "/")."""
    try:
        path = monorepo.split_alias(external) if provider in monorepo.PROVIDERS_WITH_PATHS else None
    except monorepo.PrefixInvalid as exc:
        raise ConfigurationInvalid(str(exc)) from exc
    if path is None:
        name = alias_name(provider, external)
        if not name:
            raise ConfigurationInvalid("the provider's name for the service is required")
        return name
    return monorepo.alias_text(
        monorepo.PathAlias(alias_name(provider, path.repository), path.prefix)
    )


def _refuse_mixing_whole_and_paths(provider: str, name: str) -> None:
    repository, separator, _ = name.partition(monorepo.SEPARATOR)
    aliases = ServiceAlias.objects.filter(provider=provider).select_related("service")
    if separator:
        whole = aliases.filter(external=repository).first()
        if whole is not None:
            raise ConfigurationInvalid(
                f"{provider} {repository!r} is the whole of the service {whole.service.key!r}: "
                "remove that alias before splitting the repository by paths"
            )
    elif provider in monorepo.PROVIDERS_WITH_PATHS:
        split = aliases.filter(external__startswith=name + monorepo.SEPARATOR).first()
        if split is not None:
            raise ConfigurationInvalid(
                f"{provider} {name!r} is a monorepo split by paths ({split.external} is "
                f"{split.service.key!r}): add a path alias, {name}:<path>, instead"
            )


def replay_unmapped(*, actor: Actor, provider: str) -> int:
    """Normalise the provider's earlier unmapped deliveries (after an alias was added)."""
    _require_admin(actor)
    _require_provider(provider)
    return reprocess_unmapped(provider=provider)


@transaction.atomic
def delete_alias(*, actor: Actor, alias: ServiceAlias) -> None:
    """Remove a mapping; what it already brought in stays with the service."""
    _require_admin(actor)
    before = snapshot(alias)
    ref = str(alias)
    alias.delete()
    record(actor, action="delete", entity="service_alias", ref=ref, before=before)
