"""Ingestion: verify a delivery, keep it raw, and turn it into deployments, changes, incidents.

`ingest()` is the one entry point (the HTTP endpoint and the benchmark both call it). In order:
refuse what is too large, verify the signature against the provider's secret (this process's
decrypted copy, webhook_secrets.py; nothing is parsed before that), parse the JSON, identify the
delivery, read it into a record, then in one transaction store the RawEvent (the unique
(provider, delivery_id) constraint makes a redelivery a no-op, even when two copies race) and
merge the record into the normalised tables. Storing writes nothing if the secret changed
since this process read it; the delivery is then verified again with the new one.

On PostgreSQL the common delivery (a new row, nothing to merge) is all one statement
(one_statement.py); anything else, and every delivery on SQLite, takes the general way here.

The normalised tables do not depend on the order deliveries arrive in: each merge keeps the
earliest/latest/strongest value (normalise.py), and the links between rows are recomputed on
both sides: a change finds the deployment that shipped it when either arrives, and an incident
finds its cause when either arrives.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs

from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from okrs.crypto import DecryptionFailed
from okrs.metrics.delivery.ingest import (
    generic,
    github,
    gitlab,
    hooks,
    monorepo,
    one_statement,
    pagerduty,
    sql,
    webhook_secrets,
)
from okrs.metrics.delivery.ingest.config import attribution_window
from okrs.metrics.delivery.ingest.normalise import (
    ChangeRecord,
    DeploymentRecord,
    Identity,
    IncidentRecord,
    Normalised,
    PayloadInvalid,
    PayloadMalformed,
    earliest,
    first_known,
    latest,
    preferred_text,
    strongest_remediation,
    supersedes,
)
from okrs.metrics.delivery.ingest.webhook_secrets import CachedSecret
from okrs.metrics.delivery.models import (
    Attribution,
    Change,
    Deployment,
    DeploymentStatus,
    Incident,
    Outcome,
    RawEvent,
    ServiceAlias,
)
from okrs.metrics.delivery.signatures import SignatureInvalid

MAX_BODY_BYTES = 5 * 1024 * 1024


# --- providers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderHandlers:
    verify: Callable[[str, Mapping[str, str], bytes], None]
    identify: Callable[[Mapping[str, str], dict[str, Any], bytes], Identity]
    normalise: Callable[[Identity, dict[str, Any]], Normalised]
    # Repository and project names are case-insensitive; PagerDuty ids are not.
    case_insensitive_names: bool


PROVIDERS: dict[str, ProviderHandlers] = {
    "github": ProviderHandlers(github.verify, github.identify, github.normalise, True),
    "gitlab": ProviderHandlers(gitlab.verify, gitlab.identify, gitlab.normalise, True),
    "pagerduty": ProviderHandlers(pagerduty.verify, pagerduty.identify, pagerduty.normalise, False),
    "generic": ProviderHandlers(generic.verify, generic.identify, generic.normalise, True),
}


def alias_name(provider: str, external: str) -> str:
    """How an alias is stored and looked up: trimmed, lower-case where the provider ignores case."""
    handlers = PROVIDERS.get(provider)
    external = external.strip()
    return external.lower() if handlers is None or handlers.case_insensitive_names else external


# --- results and refusals -----------------------------------------------------------------------


class IngestRefused(Exception):
    """A delivery refused before anything was stored; `http_status` and the message say why."""

    http_status = 400


class UnknownSource(IngestRefused):
    http_status = 404


class SecretNotConfigured(IngestRefused):
    http_status = 503


class SignatureRefused(IngestRefused):
    http_status = 401


class BodyTooLarge(IngestRefused):
    http_status = 413


class BodyMalformed(IngestRefused):
    http_status = 400


DUPLICATE = "duplicate"


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # normalised | ignored | unmapped | invalid | duplicate
    detail: str
    delivery_id: str
    event_type: str
    raw_event_id: int | None

    @property
    def http_status(self) -> int:
        # Stored but not usable as given: the sender sees a 400 with the reason. Stored and
        # set aside (ignored, unmapped): accepted, 202. Used, or already had: 200.
        statuses: dict[str, int] = {"invalid": 400, "ignored": 202, "unmapped": 202}
        return statuses.get(self.outcome, 200)


# --- configuration ------------------------------------------------------------------------------


def webhook_secret(provider: str, *, reload: bool = False) -> CachedSecret:
    """The provider's secret, as this process last read it (or again with `reload`)."""
    try:
        secret = webhook_secrets.current(provider, reload=reload)
    except DecryptionFailed as exc:
        raise SecretNotConfigured(
            f"the {provider} webhook secret cannot be decrypted (was OKRS_SECRET_KEY changed?): "
            "an admin sets it again at /settings/webhooks/"
        ) from exc
    if secret is None:
        raise SecretNotConfigured(
            f"no webhook secret is configured for {provider}: an admin sets one at "
            "/settings/webhooks/ before deliveries are accepted"
        )
    return secret


def _verified_secret(
    provider: str, handlers: ProviderHandlers, headers: Mapping[str, str], body: bytes
) -> CachedSecret:
    """The secret the delivery is signed with, or SignatureRefused. A signature that does not
    match this process's copy is checked once more against the database's secret: the sender
    may already use one an admin set in another process."""
    secret = webhook_secret(provider)
    try:
        handlers.verify(secret.plaintext, headers, body)
        return secret
    except SignatureInvalid as exc:
        refusal = SignatureRefused(str(exc))
    fresh = webhook_secret(provider, reload=True)
    if fresh.stored == secret.stored:
        raise refusal
    try:
        handlers.verify(fresh.plaintext, headers, body)
    except SignatureInvalid as exc:
        raise SignatureRefused(str(exc)) from exc
    return fresh


# --- the entry point ----------------------------------------------------------------------------

# How many times a delivery is stored again: after a concurrent delivery's row got in the way
# (one retry merges into it), or after the secret changed under it (verified again first).
_ATTEMPTS = 3


def ingest(
    *,
    provider: str,
    headers: Mapping[str, str],
    body: bytes,
    received_at: dt.datetime | None = None,
) -> IngestResult:
    """Verify, store and normalise one delivery. Raises IngestRefused (nothing stored) when the
    delivery cannot be accepted; otherwise the result says what became of it."""
    handlers = PROVIDERS.get(provider)
    if handlers is None:
        raise UnknownSource(
            f"unknown event source {provider!r}: use one of {', '.join(sorted(PROVIDERS))}"
        )
    if len(body) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
    lowered = {name.lower(): value for name, value in headers.items()}
    secret = _verified_secret(provider, handlers, lowered, body)
    # Only now, with the sender proven, is the body read.
    form = _is_form(lowered)
    document = _form_payload(body) if form else body
    try:
        payload = json.loads(document, parse_constant=_no_constant, parse_float=_finite_float)
    except BodyMalformed:
        raise
    except (UnicodeDecodeError, ValueError) as exc:
        raise BodyMalformed(f"the body is not JSON: {exc}") from exc
    except RecursionError as exc:
        raise BodyMalformed("the body is JSON nested too deeply to read") from exc
    if not isinstance(payload, dict):
        raise BodyMalformed("the body must be a JSON object")
    try:
        identity = handlers.identify(lowered, payload, body)
    except PayloadMalformed as exc:
        raise BodyMalformed(str(exc)) from exc
    try:
        normalised = handlers.normalise(identity, payload)
        invalid = ""
    except PayloadInvalid as exc:
        normalised, invalid = Normalised(), str(exc)
    when = received_at or timezone.now()
    # Two copies of one delivery racing meet at the raw event's unique constraint (the second
    # waits for the first and then inserts nothing). A delivery of a different event that
    # inserts the same change or deployment meanwhile is caught by that row's constraint: one
    # retry merges into it.
    text = _payload_text(body, payload, form=form)
    collided = False
    for _ in range(_ATTEMPTS):
        try:
            result = _store(provider, identity, text, normalised, invalid, when, secret)
        except IntegrityError:
            if collided:
                raise
            collided = True
            continue
        except DataError as exc:
            # Text the database refuses (PostgreSQL's jsonb and lone surrogates, say): the
            # transaction rolled back, nothing is stored, and the sender is told.
            raise BodyMalformed(f"the body holds data the database cannot store: {exc}") from exc
        if result is not None:
            if result.raw_event_id is not None and normalised.record is not None:
                hooks.delivered(
                    hooks.StoredDelivery(
                        provider, identity.event_type, payload, result.raw_event_id
                    )
                )
            return result
        # The secret changed after this process read it (an admin rotated or cleared it,
        # perhaps in another process) and nothing was stored: verify again with the new one.
        secret = webhook_secret(provider, reload=True)
        try:
            handlers.verify(secret.plaintext, lowered, body)
        except SignatureInvalid as exc:
            raise SignatureRefused(str(exc)) from exc
    raise SecretNotConfigured(
        f"the {provider} webhook secret is being changed: the delivery was not stored, retry it"
    )


def _no_constant(name: str) -> float:
    # Python's json reads NaN and Infinity, which JSON does not have: SQLite's JSON check and
    # PostgreSQL's jsonb would refuse the stored body, and no metric can use them anyway.
    raise BodyMalformed(f"the body is not JSON: {name} is not a JSON number")


def _finite_float(text: str) -> float:
    # 1e999 is JSON but reads as infinity, which json.dumps (form bodies) writes as Infinity.
    value = float(text)
    if not math.isfinite(value):
        raise BodyMalformed(f"the body holds the number {text[:40]}, too large to store")
    return value


def _is_form(headers: Mapping[str, str]) -> bool:
    # GitHub's default content type: the JSON is the form field `payload`, and the signature
    # covers the form-encoded body (already verified by now).
    content_type = headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


def _form_payload(body: bytes) -> bytes:
    try:
        fields = parse_qs(body.decode("ascii"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BodyMalformed(f"the form body cannot be read: {exc}") from exc
    values = fields.get("payload")
    if not values:
        raise BodyMalformed("a form-encoded delivery has its JSON in the `payload` field")
    return values[0].encode()


def _payload_text(body: bytes, payload: dict[str, Any], *, form: bool) -> str:
    """The body as stored: exactly as received when it is UTF-8 JSON (the signed evidence),
    except that PostgreSQL's jsonb cannot hold the NUL character, which becomes U+FFFD there."""
    try:
        text = json.dumps(payload) if form else body.decode("utf-8")
    except UnicodeDecodeError:
        text = json.dumps(payload)
    if connection.vendor == "postgresql" and "\\u0000" in text:
        text = text.replace("\\u0000", "\\ufffd")
    return text


def _store(
    provider: str,
    identity: Identity,
    payload_json: str,
    normalised: Normalised,
    invalid: str,
    received_at: dt.datetime,
    secret: CachedSecret,
) -> IngestResult | None:
    """Store the delivery, or None (nothing stored) when `secret` is no longer the provider's."""
    result = _store_delivery(
        provider, identity, payload_json, normalised, invalid, received_at, secret
    )
    if result is not None and result.outcome == Outcome.UNMAPPED:
        return _explained_in_monorepo(provider, normalised, result)
    return result


def _store_delivery(
    provider: str,
    identity: Identity,
    payload_json: str,
    normalised: Normalised,
    invalid: str,
    received_at: dt.datetime,
    secret: CachedSecret,
) -> IngestResult | None:
    targets = monorepo_targets(provider, normalised)
    if targets is not None:
        return _store_monorepo(
            provider, identity, payload_json, normalised, targets, received_at, secret
        )
    record = normalised.record
    if record is not None and normalised.service_ref and one_statement.handles(record):
        delivery = _record_delivery(
            provider, identity, payload_json, normalised.service_ref, record, received_at, secret
        )
        unmapped = delivery.detail_unmapped
        attempt = one_statement.store(delivery, record=record, window=attribution_window())
        if attempt is not None:
            if not attempt.secret_current:
                return None
            if attempt.raw_event_id is not None:
                if attempt.service_id is None:
                    return IngestResult(
                        Outcome.UNMAPPED,
                        unmapped,
                        identity.delivery_id,
                        identity.event_type,
                        attempt.raw_event_id,
                    )
                return IngestResult(
                    Outcome.NORMALISED,
                    describe(record),
                    identity.delivery_id,
                    identity.event_type,
                    attempt.raw_event_id,
                )
            if attempt.already_received:
                return _duplicate(identity)
        # Something to merge, or a concurrent delivery got there first: the general way.
    return _store_in_transaction(
        provider, identity, payload_json, normalised, invalid, received_at, secret
    )


def _explained_in_monorepo(
    provider: str, normalised: Normalised, result: IngestResult
) -> IngestResult:
    """An unmapped GitLab deployment to an environment without folders (`production`): in a
    monorepo, say that its environment must name the service rather than that the project has
    no alias. Asked only once it is unmapped, so a mapped deployment costs what it did."""
    record = normalised.record
    if (
        provider != "gitlab"
        or not isinstance(record, DeploymentRecord)
        or normalised.environment_folders
        or result.raw_event_id is None
    ):
        return result
    repository = alias_name(provider, normalised.service_ref) + monorepo.SEPARATOR
    keys = sorted(
        set(
            ServiceAlias.objects.filter(
                provider=provider, external__startswith=repository
            ).values_list("service__key", flat=True)
        )
    )
    if not keys:
        return result
    detail = (
        f"the deployment's environment {record.environment!r} has no folder naming one of the "
        f"services with a path in the monorepo {provider} {normalised.service_ref!r} "
        f"({', '.join(keys)}): name it as in production/{keys[0]}"
    )[:2000]
    RawEvent.objects.filter(pk=result.raw_event_id).update(detail=detail)
    return replace(result, detail=detail)


def _duplicate(identity: Identity) -> IngestResult:
    return IngestResult(
        DUPLICATE,
        "already received: nothing changed",
        identity.delivery_id,
        identity.event_type,
        None,
    )


def _record_delivery(
    provider: str,
    identity: Identity,
    payload_json: str,
    service_ref: str,
    record: DeploymentRecord | ChangeRecord | IncidentRecord,
    received_at: dt.datetime,
    secret: CachedSecret,
) -> sql.RecordDelivery:
    """What either way of storing a delivery with a record writes: the raw event's columns cut
    to their size, the service's name as aliases store it, the detail of either outcome."""
    return sql.RecordDelivery(
        provider=provider,
        event_type=identity.event_type[:100],
        delivery_id=identity.delivery_id[:200],
        received_at=received_at,
        payload_json=payload_json,
        external=alias_name(provider, service_ref),
        key=service_ref if provider == "generic" else None,
        detail_unmapped=_unmapped_detail(provider, service_ref),
        detail_normalised=describe(record),
        secret_ciphertext=secret.stored,
    )


def _unmapped_detail(provider: str, service_ref: str) -> str:
    return (
        f"no service is mapped to {provider} {service_ref!r}: add an alias at /settings/webhooks/"
    )[:2000]


@transaction.atomic
def _store_in_transaction(
    provider: str,
    identity: Identity,
    payload_json: str,
    normalised: Normalised,
    invalid: str,
    received_at: dt.datetime,
    secret: CachedSecret,
) -> IngestResult | None:
    record = normalised.record
    event_type, delivery_id = identity.event_type[:100], identity.delivery_id[:200]
    if record is None or not normalised.service_ref:
        outcome = Outcome.INVALID if invalid else Outcome.IGNORED
        detail = (invalid or normalised.ignored or "nothing to read")[:2000]
        raw_id = sql.insert_raw_event(
            provider=provider,
            event_type=event_type,
            delivery_id=delivery_id,
            received_at=received_at,
            payload_json=payload_json,
            outcome=outcome,
            detail=detail,
            secret_ciphertext=secret.stored,
        )
        if raw_id is None:
            return _duplicate_unless_stale(provider, identity, secret)
        return IngestResult(outcome, detail, identity.delivery_id, identity.event_type, raw_id)
    delivery = _record_delivery(
        provider, identity, payload_json, normalised.service_ref, record, received_at, secret
    )
    unmapped = delivery.detail_unmapped
    stored = sql.insert_raw_event_resolving(delivery)
    if stored is None:
        return _duplicate_unless_stale(provider, identity, secret)
    raw_id, service_id = stored
    if service_id is None:
        return IngestResult(
            Outcome.UNMAPPED, unmapped, identity.delivery_id, identity.event_type, raw_id
        )
    store_record(provider=provider, service_id=service_id, record=record, raw_event_id=raw_id)
    outcome, detail = Outcome.NORMALISED, describe(record)
    return IngestResult(outcome, detail, identity.delivery_id, identity.event_type, raw_id)


@dataclass(frozen=True)
class MonorepoTargets:
    """The services of a monorepo that one delivery belongs to, and why none when empty."""

    service_ids: list[int]
    service_keys: list[str]
    unmapped: str
    # The record as those services get it: a GitLab deployment to `checkout/production` is a
    # production deployment of checkout, which its whole environment name did not say.
    record: DeploymentRecord | ChangeRecord | IncidentRecord


def monorepo_targets(provider: str, normalised: Normalised) -> MonorepoTargets | None:
    """For a delivery into a monorepo, the services it belongs to; None for any other delivery.

    A monorepo is a repository with path aliases (`acme/mono:services/checkout/`). A change in
    it belongs to the services whose paths its files touch, and is asked about only when the
    event lists its files (pushes do; other changes cost no extra query). A deployment in it
    belongs to the service it names (a GitHub deployment's payload, a GitLab environment's
    folders), and is asked about only when it names one that way."""
    record = normalised.record
    if provider not in monorepo.PROVIDERS_WITH_PATHS or not normalised.service_ref:
        return None
    if isinstance(record, ChangeRecord):
        if normalised.files is None:
            return None
    elif not (
        isinstance(record, DeploymentRecord)
        and (normalised.names_service or normalised.environment_folders)
    ):
        return None
    assert record is not None
    repository = alias_name(provider, normalised.service_ref) + monorepo.SEPARATOR
    rows = list(
        ServiceAlias.objects.filter(provider=provider, external__startswith=repository)
        .order_by("service_id", "external")
        .values_list("external", "service_id", "service__key")
    )
    if not rows:
        return None
    where = f"{provider} {normalised.service_ref!r}"
    keys = {service_id: key for _, service_id, key in rows}
    if isinstance(record, ChangeRecord):
        prefixes = [(external[len(repository) :], service_id) for external, service_id, _ in rows]
        ids = monorepo.services_touched(normalised.files or (), prefixes)
        why = (
            f"change {record.commit_sha[:12]} touches none of the paths of the services in "
            f"the monorepo {where} ({', '.join(sorted(p for p, _ in prefixes))})"
        )
    elif isinstance(record, DeploymentRecord) and normalised.names_service:
        named = next((sid for sid, key in keys.items() if key == normalised.names_service), None)
        ids = [] if named is None else [named]
        why = (
            f"the deployment names the service {normalised.names_service!r}, which has no path "
            f"in the monorepo {where}: add an alias {normalised.service_ref}:<path> for it"
        )
    else:
        assert isinstance(record, DeploymentRecord)
        found = monorepo.service_in_environment(normalised.environment_folders, keys.values())
        ids = [sid for sid, key in keys.items() if key == found.key]
        if ids and found.rest_is_production and not record.is_production:
            record = replace(record, is_production=True)
        why = _environment_unmapped(record.environment, found.named, sorted(keys.values()), where)
    return MonorepoTargets(ids, [keys[i] for i in ids], why[:2000], record)


def _environment_unmapped(
    environment: str, named: tuple[str, ...], keys: list[str], where: str
) -> str:
    if named:
        return (
            f"the deployment's environment {environment!r} names more than one service of the "
            f"monorepo {where} ({', '.join(named)}): name exactly one, as in production/{keys[0]}"
        )
    return (
        f"the deployment's environment {environment!r} names none of the services with a path "
        f"in the monorepo {where} ({', '.join(keys)}): put the service in its name, as in "
        f"production/{keys[0]}"
    )


@transaction.atomic
def _store_monorepo(
    provider: str,
    identity: Identity,
    payload_json: str,
    normalised: Normalised,
    targets: MonorepoTargets,
    received_at: dt.datetime,
    secret: CachedSecret,
) -> IngestResult | None:
    """A monorepo delivery: one raw event, and the record stored for each of its services."""
    record = targets.record
    if targets.service_ids:
        outcome, detail = (
            Outcome.NORMALISED,
            f"{describe(record)} for {', '.join(targets.service_keys)}",
        )
    else:
        outcome, detail = Outcome.UNMAPPED, targets.unmapped
    raw_id = sql.insert_raw_event(
        provider=provider,
        event_type=identity.event_type[:100],
        delivery_id=identity.delivery_id[:200],
        received_at=received_at,
        payload_json=payload_json,
        outcome=outcome,
        detail=detail[:2000],
        secret_ciphertext=secret.stored,
    )
    if raw_id is None:
        return _duplicate_unless_stale(provider, identity, secret)
    if targets.service_ids:
        # The raw event names one service (its first); each service gets its own record.
        RawEvent.objects.filter(pk=raw_id).update(service_id=targets.service_ids[0])
    for service_id in targets.service_ids:
        store_record(provider=provider, service_id=service_id, record=record, raw_event_id=raw_id)
    return IngestResult(outcome, detail, identity.delivery_id, identity.event_type, raw_id)


def _duplicate_unless_stale(
    provider: str, identity: Identity, secret: CachedSecret
) -> IngestResult | None:
    """The raw event was not written: a redelivery, or a secret changed meanwhile (None)."""
    if not sql.secret_is_current(provider, secret.stored):
        return None
    return _duplicate(identity)


def describe(record: DeploymentRecord | ChangeRecord | IncidentRecord) -> str:
    if isinstance(record, DeploymentRecord):
        where = "production" if record.is_production else record.environment
        return f"deployment {record.external_id} to {where}: {record.status}"
    if isinstance(record, ChangeRecord):
        return f"change {record.commit_sha[:12]}"
    state = "resolved" if record.resolved_at else "opened"
    return f"incident {record.external_id} {state}"


def resolve_service(provider: str, service_ref: str) -> int | None:
    """Our service for a provider's name of it: its alias, or for generic events a service key."""
    if not service_ref:
        return None
    key = service_ref if provider == "generic" else None
    return sql.service_for(provider, alias_name(provider, service_ref), key)


def store_record(
    *,
    provider: str,
    service_id: int,
    record: DeploymentRecord | ChangeRecord | IncidentRecord,
    raw_event_id: int,
) -> None:
    if isinstance(record, DeploymentRecord):
        store_deployment(provider, service_id, record, raw_event_id)
    elif isinstance(record, ChangeRecord):
        store_change(service_id, record, raw_event_id)
    else:
        store_incident(provider, service_id, record, raw_event_id)


def reprocess_unmapped(*, provider: str) -> int:
    """Normalise again the provider's deliveries that had no service, now that aliases may
    exist; returns how many found their service. The raw payload is not touched."""
    handlers = PROVIDERS[provider]
    done = 0
    unmapped = RawEvent.objects.filter(provider=provider, outcome=Outcome.UNMAPPED)
    for raw in unmapped.order_by("received_at", "pk").iterator():
        try:
            normalised = handlers.normalise(Identity(raw.event_type, raw.delivery_id), raw.payload)
        except PayloadInvalid:
            continue  # it was readable when it arrived; the rules have changed since: leave it
        record = normalised.record
        with transaction.atomic():
            targets = monorepo_targets(provider, normalised)
            if targets is None:
                found = resolve_service(provider, normalised.service_ref)
                service_ids = [] if found is None else [found]
                detail = describe(record) if record is not None else ""
            else:
                service_ids = targets.service_ids
                record = targets.record
                detail = f"{describe(record)} for {', '.join(targets.service_keys)}"
            if record is None or not service_ids:
                continue
            for service_id in service_ids:
                store_record(
                    provider=provider, service_id=service_id, record=record, raw_event_id=raw.pk
                )
            RawEvent.objects.filter(pk=raw.pk).update(
                outcome=Outcome.NORMALISED, detail=detail[:2000], service_id=service_ids[0]
            )
            done += 1
    return done


# --- deployments --------------------------------------------------------------------------------

_SUCCESS = DeploymentStatus.SUCCESS


def _ships(deployment: Deployment) -> bool:
    return deployment.is_production and deployment.status == _SUCCESS


def _shipping(service_id: int) -> Any:
    return Deployment.objects.filter(service_id=service_id, is_production=True, status=_SUCCESS)


def _before(finished_at: dt.datetime, key: str) -> Q:
    """Deployments ordered before (finished_at, key): the order every rule here uses."""
    return Q(finished_at__lt=finished_at) | Q(finished_at=finished_at, external_id__lt=key)


def _after(finished_at: dt.datetime, key: str) -> Q:
    return Q(finished_at__gt=finished_at) | Q(finished_at=finished_at, external_id__gt=key)


def store_deployment(
    provider: str, service_id: int, record: DeploymentRecord, raw_event_id: int
) -> None:
    external_id, commit = record.external_id[:200], record.commit_sha[:100]
    previous, change_kind, named = sql.deployment_context(
        service_id=service_id,
        commit_sha=commit,
        finished_at=record.finished_at,
        key=external_id,
        refs=sorted({external_id, commit} - {""}),
    )
    # A deployment of a commit already known as a hotfix/revert is a remediation.
    kind = strongest_remediation(record.remediation_kind, change_kind)
    new_id = sql.insert_deployment(
        provider=provider,
        external_id=external_id,
        service_id=service_id,
        environment=record.environment[:200],
        is_production=record.is_production,
        status=record.status,
        started_at=record.started_at,
        finished_at=record.finished_at,
        commit_sha=commit,
        ref=record.ref[:300],
        remediation_kind=kind,
        raw_event_id=raw_event_id,
        remediates_ref=record.remediates_ref[:200],
    )
    if new_id is None:
        _merge_deployment(provider, record, raw_event_id)
        return
    if record.is_production and record.status == _SUCCESS:
        sql.ship_new_deployment(
            deployment_id=new_id,
            service_id=service_id,
            finished_at=record.finished_at,
            key=external_id,
            previous_finished=previous,
            window=attribution_window(),
        )
    if named:
        _link_named_incidents(Deployment.objects.get(pk=new_id))


def _merge_deployment(provider: str, record: DeploymentRecord, raw_event_id: int) -> None:
    """A later (or earlier) report of a deployment we have: keep the winning status."""
    deployment = (
        Deployment.objects.select_for_update()
        .filter(provider=provider, external_id=record.external_id[:200])
        .get()
    )
    shipped_before, finished_before = _ships(deployment), deployment.finished_at
    kind = strongest_remediation(deployment.remediation_kind, record.remediation_kind)
    changed = kind != deployment.remediation_kind
    deployment.remediation_kind, deployment.is_remediation = kind, bool(kind)
    remediates = preferred_text(deployment.remediates_ref, record.remediates_ref[:200])
    if remediates != deployment.remediates_ref:
        changed, deployment.remediates_ref = True, remediates
    if supersedes(record, deployment.status, deployment.finished_at):
        changed = True
        deployment.environment = record.environment[:200]
        deployment.is_production = record.is_production
        deployment.status = record.status
        deployment.finished_at = record.finished_at
        deployment.commit_sha = record.commit_sha[:100] or deployment.commit_sha
        deployment.ref = record.ref[:300] or deployment.ref
        deployment.raw_event_id = raw_event_id
    started = earliest(deployment.started_at, record.started_at)
    if started != deployment.started_at:
        changed, deployment.started_at = True, started
    if not changed:
        return
    deployment.save()
    if shipped_before and (not _ships(deployment) or deployment.finished_at != finished_before):
        _unship(deployment, finished_before)
    if _ships(deployment) and (not shipped_before or deployment.finished_at != finished_before):
        _ship(deployment)
    _link_named_incidents(deployment)


def _ship(deployment: Deployment) -> None:
    """A successful production deployment at its place in the order: it ships the changes that
    landed after the one before it, and becomes the suspect for incidents soon after it."""
    finished, key = deployment.finished_at, deployment.external_id
    previous = (
        _shipping(deployment.service_id)
        .filter(_before(finished, key))
        .order_by("-finished_at", "-external_id")
        .values_list("finished_at", flat=True)
        .first()
    )
    # Changes that landed up to the previous deployment belong to it (or to one before it);
    # those after it and up to this one are ours, whether they were waiting or had been given
    # to a later deployment that arrived first.
    landed = Change.objects.filter(service_id=deployment.service_id, merged_at__lte=finished)
    if previous is not None:
        landed = landed.filter(merged_at__gt=previous)
    landed.exclude(deployment=deployment).update(deployment=deployment)

    window = attribution_window()
    Incident.objects.filter(
        service_id=deployment.service_id,
        opened_at__gt=finished,
        opened_at__lte=finished + window,
    ).exclude(attribution=Attribution.EXPLICIT).filter(
        Q(caused_by__isnull=True)
        | Q(caused_by__finished_at__lt=finished)
        | Q(caused_by__finished_at=finished, caused_by__external_id__lt=key)
    ).update(caused_by=deployment, attribution=Attribution.TIME_WINDOW)


def _unship(deployment: Deployment, finished_before: dt.datetime) -> None:
    """The deployment no longer ships at `finished_before` (it failed after all, or finished
    later): its changes go to the next one, its suspected incidents are judged again."""
    following = (
        _shipping(deployment.service_id)
        .exclude(pk=deployment.pk)
        .filter(_after(finished_before, deployment.external_id))
        .order_by("finished_at", "external_id")
        .first()
    )
    Change.objects.filter(deployment=deployment).update(deployment=following)
    for incident in Incident.objects.filter(caused_by=deployment).exclude(
        attribution=Attribution.EXPLICIT
    ):
        _attribute(incident)
        incident.save(update_fields=["caused_by", "attribution"])


def _link_named_incidents(deployment: Deployment) -> None:
    """Incidents that named this deployment (or its commit) before it arrived."""
    refs = {deployment.external_id, deployment.commit_sha} - {""}
    for incident in Incident.objects.filter(
        service_id=deployment.service_id, caused_by_ref__in=refs
    ):
        before = (incident.caused_by_id, incident.attribution)
        _attribute(incident)
        if (incident.caused_by_id, incident.attribution) != before:
            incident.save(update_fields=["caused_by", "attribution"])


# --- changes ------------------------------------------------------------------------------------


def store_change(service_id: int, record: ChangeRecord, raw_event_id: int) -> None:
    commit = record.commit_sha[:100]
    new_id = sql.insert_change(
        service_id=service_id,
        commit_sha=commit,
        first_commit_at=record.first_commit_at,
        merged_at=record.merged_at,
        pull_request=record.pull_request,
        remediation_kind=record.remediation_kind,
        raw_event_id=raw_event_id,
        reverts_ref=record.reverts_ref[:200],
    )
    if new_id is None:
        _merge_change(service_id, commit, record)
    elif record.remediation_kind:
        _mark_deployments_of(service_id, commit, record.remediation_kind)


def _merge_change(service_id: int, commit: str, record: ChangeRecord) -> None:
    """Another report of a change we have (its PR and its push): keep the earliest times."""
    change = Change.objects.select_for_update().get(service_id=service_id, commit_sha=commit)
    first = earliest(change.first_commit_at, record.first_commit_at) or record.first_commit_at
    merged = earliest(change.merged_at, record.merged_at) or record.merged_at
    pull = first_known(change.pull_request, record.pull_request)
    kind = strongest_remediation(change.remediation_kind, record.remediation_kind)
    reverts = preferred_text(change.reverts_ref, record.reverts_ref[:200])
    before = (change.first_commit_at, change.merged_at, change.pull_request)
    if (first, merged, pull, kind, reverts) == (
        *before,
        change.remediation_kind,
        change.reverts_ref,
    ):
        return
    if merged != change.merged_at:
        change.deployment_id = _shipped_by(service_id, merged)
    kind_changed = kind != change.remediation_kind
    change.first_commit_at, change.merged_at = first, merged
    change.pull_request, change.remediation_kind = pull, kind
    change.reverts_ref = reverts
    change.save()
    if kind_changed:
        _mark_deployments_of(service_id, commit, kind)


def _mark_deployments_of(service_id: int, commit: str, kind: str) -> None:
    """Deployments of this commit that arrived before we knew it was a hotfix or revert."""
    for deployment in Deployment.objects.filter(service_id=service_id, commit_sha=commit):
        strongest = strongest_remediation(deployment.remediation_kind, kind)
        if strongest != deployment.remediation_kind:
            deployment.remediation_kind, deployment.is_remediation = strongest, True
            deployment.save(update_fields=["remediation_kind", "is_remediation"])


def _shipped_by(service_id: int, merged_at: dt.datetime) -> int | None:
    """The first successful production deployment that finished at or after the change landed."""
    return (
        _shipping(service_id)
        .filter(finished_at__gte=merged_at)
        .order_by("finished_at", "external_id")
        .values_list("id", flat=True)
        .first()
    )


# --- incidents ----------------------------------------------------------------------------------


def store_incident(
    provider: str, service_id: int, record: IncidentRecord, raw_event_id: int
) -> None:
    if not record.cause_ref:
        new_id = sql.insert_incident_by_window(
            provider=provider,
            external_id=record.external_id[:200],
            service_id=service_id,
            title=record.title[:500],
            opened_at=record.opened_at,
            resolved_at=record.resolved_at,
            window=attribution_window(),
            raw_event_id=raw_event_id,
        )
        if new_id is not None:
            return
    incident = (
        Incident.objects.select_for_update()
        .filter(provider=provider, external_id=record.external_id[:200])
        .first()
    )
    if incident is None:
        incident = Incident(
            provider=provider,
            external_id=record.external_id[:200],
            service_id=service_id,
            title=record.title[:500],
            opened_at=record.opened_at,
            resolved_at=record.resolved_at,
            caused_by_ref=record.cause_ref,
            raw_event_id=raw_event_id,
        )
        _attribute(incident)
        incident.save(force_insert=True)
        return
    opened = earliest(incident.opened_at, record.opened_at) or record.opened_at
    # A resolve that arrives before the trigger already set resolved_at; the trigger keeps it.
    resolved = latest(incident.resolved_at, record.resolved_at)
    title = preferred_text(incident.title, record.title)
    cause = preferred_text(incident.caused_by_ref, record.cause_ref)
    if (opened, resolved, title, cause) == (
        incident.opened_at,
        incident.resolved_at,
        incident.title,
        incident.caused_by_ref,
    ):
        return
    reattribute = opened != incident.opened_at or cause != incident.caused_by_ref
    incident.opened_at, incident.resolved_at = opened, resolved
    incident.title, incident.caused_by_ref = title, cause
    incident.raw_event_id = raw_event_id
    if reattribute:
        _attribute(incident)
    incident.save()


def _attribute(incident: Incident) -> None:
    """Set caused_by and how it was found: the deployment or commit the event named first;
    otherwise the latest successful production deployment of the service that finished before
    the incident opened, within the attribution window; otherwise none."""
    service_id = incident.service_id
    ref = incident.caused_by_ref
    if ref:
        named = (
            Deployment.objects.filter(service_id=service_id, external_id=ref)
            .order_by("-finished_at", "-external_id")
            .values_list("id", flat=True)
            .first()
        )
        if named is None:
            # A commit: the deployment of it that was live when the incident opened, or else
            # the first one of it (the incident was reported against a release not yet seen).
            of_commit = _shipping(service_id).filter(commit_sha=ref)
            named = (
                of_commit.filter(finished_at__lte=incident.opened_at)
                .order_by("-finished_at", "-external_id")
                .values_list("id", flat=True)
                .first()
            ) or (
                of_commit.order_by("finished_at", "external_id")
                .values_list("id", flat=True)
                .first()
            )
        if named is not None:
            incident.caused_by_id, incident.attribution = named, Attribution.EXPLICIT
            return
    suspect = (
        _shipping(service_id)
        .filter(
            finished_at__lt=incident.opened_at,
            finished_at__gte=incident.opened_at - attribution_window(),
        )
        .order_by("-finished_at", "-external_id")
        .values_list("id", flat=True)
        .first()
    )
    if suspect is None:
        incident.caused_by_id, incident.attribution = None, Attribution.NONE
    else:
        incident.caused_by_id, incident.attribution = suspect, Attribution.TIME_WINDOW
