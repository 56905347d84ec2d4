"""/settings/sources/ (admins): credentials, and every bound key result's sync state; and the
"Sync now" button of the key-result page.

Permissions are checked here on the server for every request. A credential's values are
write-only: the page says which parameters are set, never what they hold.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from okrs.goals.models import KeyResult
from okrs.metrics.sources.forms import CredentialForm
from okrs.metrics.sources.models import Credential
from okrs.metrics.sources.public import public_source, readable_source
from okrs.metrics.sources.registry import REGISTRY
from okrs.metrics.sources.services import (
    CredentialInvalid,
    delete_credential,
    key_results_using,
    kinds_with_secrets,
    save_credential,
)
from okrs.metrics.sources.sync import SyncOutcome, active_cycle_ids, state_of, sync_key_result
from okrs.org.audit import Actor, record
from okrs.org.models import Person
from okrs.org.permissions import can_edit_key_result
from okrs.web.shell import admin_post_required, admin_required, forbidden, signed_in

CHANNEL = "web"


REFUSAL = "Only admins manage metric sources and their credentials."


def kind_name(kind: str) -> str:
    """A kind of source as people know it ("DORA metric from delivery events", not `dora`)."""
    backend = REGISTRY.get(kind)
    return (backend.label if backend else "") or kind


def _secret_names(credential: Credential) -> list[str]:
    """The secrets a credential holds, by their names in the form ("API token", not `api_token`)."""
    backend = REGISTRY.get(credential.kind)
    titles = {p.name: p.title for p in backend.params} if backend else {}
    return sorted(titles.get(name, name) for name in credential.secrets())


def _source_words(source: dict[str, Any]) -> str:
    """A source in one line of words: its kind, its credential, how often it syncs."""
    shown = dict(readable_source(source))
    words = [kind_name(str(source.get("kind") or ""))]
    if shown.get("credential"):
        words.append(f"credential {shown['credential']}")
    if shown.get("schedule"):
        words.append(f"every {shown['schedule']}")
    return " · ".join(words)


def _status_rows() -> list[dict[str, Any]]:
    """Every bound key result with its sync state: flagged first, then failing, then the rest."""
    rows = []
    running = set(active_cycle_ids(timezone.now()))
    bound = KeyResult.objects.exclude(source__isnull=True).select_related(
        "objective__cycle", "owner", "sync_state"
    )
    for kr in bound:
        if not kr.source:
            continue
        state = state_of(kr)
        current = state.belongs_to(kr.source)
        flagged = current and state.flagged
        failing = current and bool(state.last_error) and not flagged
        rows.append(
            {
                "kr": kr,
                "state": state,
                "source": public_source(kr.source),
                "source_words": _source_words(kr.source),
                "flagged": flagged,
                "failing": failing,
                "pending": not current,
                "running": kr.objective.cycle_id in running,
                "error": state.last_error if current else "",
            }
        )
    rows.sort(key=lambda row: (not row["flagged"], not row["failing"], str(row["kr"])))
    return rows


def _page(request: HttpRequest, form: CredentialForm, kind: str, status: int = 200) -> HttpResponse:
    credentials = list(Credential.objects.order_by("name"))
    usage = Counter(
        source.get("credential")
        for source in KeyResult.objects.exclude(source__isnull=True).values_list(
            "source", flat=True
        )
        if isinstance(source, dict)
    )
    context = {
        "nav": "settings",
        "form": form,
        "kind": kind,
        "kinds": [(k, kind_name(k)) for k in kinds_with_secrets()],
        "credentials": [
            (c, kind_name(c.kind), _secret_names(c), usage.get(c.name, 0)) for c in credentials
        ],
        "rows": _status_rows(),
    }
    return render(request, "sources/settings.html", context, status=status)


def _kind(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("kind") or request.GET.get("kind") or default
    kinds = kinds_with_secrets()
    return wanted if wanted in kinds else (kinds[0] if kinds else "")


@admin_required(REFUSAL)
def sources_settings(request: HttpRequest) -> HttpResponse:
    person = signed_in(request)
    kind = _kind(request, "")
    kinds = kinds_with_secrets()
    if request.method != "POST":
        form = CredentialForm(initial={"kind": kind}, kinds=kinds, kind=kind, creating=True)
        return _page(request, form, kind)
    form = CredentialForm(request.POST, kinds=kinds, kind=kind, creating=True)
    if form.is_valid():
        done = _save(request, person, form, None, name=form.cleaned_data["name"], done="saved")
        if done is not None:
            return done
    return _page(request, form, kind, status=400)


def _save(
    request: HttpRequest,
    person: Person,
    form: CredentialForm,
    credential: Credential | None,
    *,
    name: str,
    done: str,
) -> HttpResponse | None:
    """The valid form saved, and back to the settings saying it is `done`; None (the problem
    on the form) when the credential does not work."""
    try:
        saved = save_credential(
            actor=Actor(person, CHANNEL),
            credential=credential,
            name=name,
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data["description"],
            secrets=form.secrets(),
            site=form.site(),
        )
    except CredentialInvalid as exc:
        form.add_error(None, str(exc))
        return None
    messages.success(request, f"Credential “{saved.name}” {done}.")
    return HttpResponseRedirect(reverse("sources_settings"))


@admin_required(REFUSAL)
def credential_edit(request: HttpRequest, name: str) -> HttpResponse:
    person = signed_in(request)
    credential = get_object_or_404(Credential, name=name)
    kind = _kind(request, credential.kind)
    kinds = kinds_with_secrets()
    initial = {"kind": kind, "description": credential.description, "site": credential.site}
    data = request.POST if request.method == "POST" else None
    form = CredentialForm(data, initial=initial, kinds=kinds, kind=kind, creating=False)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            done = _save(request, person, form, credential, name=credential.name, done="updated")
            if done is not None:
                return done
    context = {
        "nav": "settings",
        "form": form,
        "credential": credential,
        "kind": kind,
        "kind_name": kind_name(credential.kind),
        "set": _secret_names(credential),
        "used_by": key_results_using(credential.name),
    }
    return render(request, "sources/credential.html", context, status=status)


@admin_post_required(REFUSAL)
def credential_delete(request: HttpRequest, name: str) -> HttpResponse:
    person = signed_in(request)
    credential = get_object_or_404(Credential, name=name)
    try:
        delete_credential(actor=Actor(person, CHANNEL), credential=credential)
    except CredentialInvalid as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Credential “{name}” deleted.")
    return HttpResponseRedirect(reverse("sources_settings"))


@login_required
@require_POST
def key_result_sync_now(request: HttpRequest, objective_key: str, kr_key: str) -> HttpResponse:
    """Read the key result's source now (also after a permanent failure, to check a fix)."""
    key_result = get_object_or_404(
        KeyResult.objects.select_related("objective__cycle", "objective__team", "owner"),
        objective__key=objective_key,
        key=kr_key,
    )
    person = signed_in(request)
    if not can_edit_key_result(person, key_result):
        return forbidden(request, f"You may not sync the key result “{key_result.title}”.")
    page = reverse("key_result", args=[objective_key, kr_key])
    if not key_result.source:
        messages.error(request, "This key result has no source to sync from.")
        return HttpResponseRedirect(page)
    outcome = sync_key_result(key_result=key_result, now=timezone.now())
    record(
        Actor(person, CHANNEL),
        action="sync",
        entity="key_result",
        ref=key_result.ref,
        after={"status": outcome.status, "error": outcome.message},
    )
    text = sync_message(outcome)
    if outcome.value is None:
        messages.error(request, text)
    else:
        messages.success(request, text)
    return HttpResponseRedirect(page)


def sync_message(outcome: SyncOutcome) -> str:
    """What "Sync now" says. Only an outcome with a value can show one: failed, flagged and
    busy outcomes have none."""
    if outcome.value is not None:
        if outcome.status == "recorded":
            return f"Synced: {outcome.value:g} recorded."
        if outcome.status == "unchanged":
            return f"Synced: still {outcome.value:g}."
        return f"Read {outcome.value:g}; {outcome.message}."
    if outcome.status == "busy":
        return "A sync of this key result is already running."
    if outcome.status == "flagged":
        return f"Sync stopped: {outcome.message}"
    return f"Sync failed: {outcome.message}"
