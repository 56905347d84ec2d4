"""Writes of the metric sources' settings: credentials (admins only), audited without values."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from okrs.goals.models import KeyResult
from okrs.metrics.sources.models import Credential
from okrs.metrics.sources.registry import REGISTRY, _url, secret_params
from okrs.metrics.sources.sync import resume_after_credential_change
from okrs.numbers import counted
from okrs.org.audit import Actor, record
from okrs.org.models import Person
from okrs.org.permissions import PermissionDenied, is_admin


class CredentialInvalid(ValueError):
    """The credential cannot be saved as given; the message is meant for the admin."""


def can_manage_sources(person: Person) -> bool:
    return is_admin(person)


def _require_admin(actor: Actor) -> None:
    if actor.trusted:
        return
    if actor.person is None or not can_manage_sources(actor.person):
        raise PermissionDenied("only admins manage source credentials")


def kinds_with_secrets() -> list[str]:
    return sorted(kind for kind in REGISTRY if secret_params(kind))


def key_results_using(name: str) -> list[KeyResult]:
    return list(
        KeyResult.objects.filter(source__credential=name)
        .select_related("objective")
        .order_by("objective__key", "key")
    )


@transaction.atomic
def save_credential(
    *,
    actor: Actor,
    credential: Credential | None,
    name: str,
    kind: str,
    description: str,
    secrets: Mapping[str, str],
    site: str = "",
) -> Credential:
    """Create a credential, or update one: a secret left blank keeps its stored value.

    Key results using the credential are tried again at once: the new value may be the fix
    for what flagged them."""
    _require_admin(actor)
    allowed = secret_params(kind)
    if not allowed:
        raise CredentialInvalid(f"a {kind or 'source'} source takes no credential")
    unknown = set(secrets) - allowed
    if unknown:
        raise CredentialInvalid(f"a {kind} credential has no {', '.join(sorted(unknown))}")
    site = _checked_site(kind, site)
    if credential is None:
        if Credential.objects.filter(name=name).exists():
            raise CredentialInvalid(f"a credential named '{name}' exists already")
        credential = Credential(name=name, kind=kind)
        before = None
        values: dict[str, str] = {}
    else:
        if kind != credential.kind and key_results_using(credential.name):
            raise CredentialInvalid(
                f"'{credential.name}' is used by {kind} sources' key results: it stays "
                f"a {credential.kind} credential"
            )
        before = credential.description_for_audit()
        values = credential.secrets() if kind == credential.kind else {}
        credential.kind = kind
    for param, value in secrets.items():
        if value:
            values[param] = value
    credential.set_secrets(values)
    credential.description = description
    credential.site = site
    credential.updated_at = timezone.now()
    credential.updated_by = actor.person
    credential.save()
    after = credential.description_for_audit()
    # The values are never in the log: only which parameters are set, and that they changed.
    after["changed_parameters"] = sorted(param for param, value in secrets.items() if value)
    record(
        actor,
        action="create" if before is None else "update",
        entity="credential",
        ref=credential.name,
        before=before,
        after=after,
    )
    resume_after_credential_change(credential_name=credential.name)
    return credential


def _checked_site(kind: str, site: str) -> str:
    """The site the credential's secrets may go to, for backends that send them over HTTP."""
    backend = REGISTRY[kind]
    if backend.url_param is None:
        return ""
    if not site.strip():
        default = next((p.default for p in backend.params if p.name == backend.url_param), None)
        if default is None:
            raise CredentialInvalid(
                f"a {kind} credential needs its site: the URL its secrets may be sent to"
            )
        return ""
    try:
        return str(_url(site))
    except ValueError as exc:
        raise CredentialInvalid(f"the site {exc}") from None


def _titles(key_results: list[KeyResult], shown: int = 5) -> str:
    """“A”, “B” and “C”; past `shown`, “A”, ... “E” and 2 more."""
    titles = [f"“{kr.title}”" for kr in key_results[:shown]]
    rest = len(key_results) - len(titles)
    if rest:
        titles.append(f"{rest} more")
    return titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} and {titles[-1]}"


@transaction.atomic
def delete_credential(*, actor: Actor, credential: Credential) -> None:
    _require_admin(actor)
    users = key_results_using(credential.name)
    if users:
        raise CredentialInvalid(
            f"“{credential.name}” is used by {counted(len(users), 'key result')}: "
            f"{_titles(users)}. Bind {'it' if len(users) == 1 else 'them'} to another "
            "credential first."
        )
    name = credential.name
    before = credential.description_for_audit()
    credential.delete()
    record(actor, action="delete", entity="credential", ref=name, before=before)
