"""/settings/webhooks/: webhook secrets, endpoints, services and aliases, recent deliveries.

Admins only, checked on the server for every request (the page reveals the configuration).
A secret is write-only here: the page says whether one is set and when, never what it is.
"""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from okrs.metrics.delivery.ingest.configure import (
    ConfigurationInvalid,
    can_configure_events,
    clear_webhook_secret,
    create_alias,
    create_service,
    delete_alias,
    delete_service,
    replay_unmapped,
    set_service_team,
    set_webhook_secret,
)
from okrs.metrics.delivery.ingest.services import PROVIDERS
from okrs.metrics.delivery.models import Outcome, RawEvent, Service, ServiceAlias, WebhookSecret
from okrs.org.audit import Actor
from okrs.org.models import Team
from okrs.web.shell import View, admin_required, forbidden, signed_in

REFUSAL = "Only an admin can configure webhooks and services."

CHANNEL = "web"
RECENT_DELIVERIES = 50

PROVIDER_LABELS = {
    "github": ("GitHub", "the webhook's Secret; GitHub signs with X-Hub-Signature-256"),
    "gitlab": ("GitLab", "the webhook's Secret token, sent as X-Gitlab-Token"),
    "pagerduty": ("PagerDuty", "the v3 subscription's signing secret (X-PagerDuty-Signature)"),
    "generic": ("Generic", "your own secret for X-Okrs-Signature (the “Delivery events” guide)"),
}
ALIAS_HINTS = {
    "github": "repository, e.g. acme/checkout, or a directory of a monorepo, acme/mono:src/cart/",
    "gitlab": "project path, e.g. acme/checkout, or a directory of a monorepo, acme/mono:src/cart/",
    "pagerduty": "PagerDuty service id, e.g. PIJ90N7",
    "generic": "the “service” field your tool sends (name:path/ for a monorepo's directory)",
}


class SecretForm(forms.Form):
    secret = forms.CharField(
        label="New secret",
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "type the secret to set"},
    )


class ServiceForm(forms.Form):
    key = forms.CharField(label="Key", max_length=64, help_text="lowercase, e.g. checkout")
    name = forms.CharField(label="Name", max_length=200, required=False)
    team = forms.CharField(label="Team", required=False, widget=forms.Select)


class AliasForm(forms.Form):
    service = forms.CharField(label="Service", widget=forms.Select)
    provider = forms.ChoiceField(
        label="Provider", choices=[(p, PROVIDER_LABELS[p][0]) for p in PROVIDERS]
    )
    external = forms.CharField(label="Provider's name for it", max_length=300)


def _admin_post(view: View) -> View:
    """`login_required`, POST only, then the 403 page for anyone but an admin; the view is
    called with the admin's Actor after the request."""

    @functools.wraps(view)
    def as_admin(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = Actor(signed_in(request), CHANNEL)
        if not can_configure_events(actor):
            return forbidden(request, REFUSAL)
        return view(request, actor, *args, **kwargs)

    return login_required(require_POST(as_admin))


def _first_error(form: forms.Form) -> str:
    """A refused form's first problem, as the page shows it: "field: message"."""
    name, problems = next(iter(form.errors.items()))
    return f"{name}: {problems[0]}"


def _unknown_provider(request: HttpRequest, provider: str) -> HttpResponse | None:
    """The page with a 404 for a provider okrs does not know, else None."""
    if provider in PROVIDERS:
        return None
    return _page(request, errors={"secret": f"unknown provider {provider!r}"}, status=404)


def _endpoint(provider: str) -> str:
    return f"{settings.BASE_URL}/api/v1/events/{provider}"


def _page(request: HttpRequest, *, errors: dict[str, str] | None = None, status: int = 200) -> Any:
    secrets = {row.provider: row for row in WebhookSecret.objects.select_related("updated_by")}
    providers = [
        {
            "name": name,
            "label": PROVIDER_LABELS[name][0],
            "secret_help": PROVIDER_LABELS[name][1],
            "endpoint": _endpoint(name),
            # Only the row's metadata: the secret column is never decrypted for the page.
            "secret_set": name in secrets,
            "updated_at": secrets[name].updated_at if name in secrets else None,
            "updated_by": secrets[name].updated_by if name in secrets else None,
            "error": (errors or {}).get(f"secret-{name}", ""),
        }
        for name in PROVIDERS
    ]
    newest = RawEvent.objects.select_related("service").defer("payload")
    deliveries = newest.order_by("-received_at", "-pk")[:RECENT_DELIVERIES]
    context = {
        "nav": "settings",
        "providers": providers,
        "services": Service.objects.select_related("team").prefetch_related("aliases"),
        "teams": Team.objects.order_by("key"),
        "alias_providers": [(p, PROVIDER_LABELS[p][0], ALIAS_HINTS[p]) for p in PROVIDERS],
        "deliveries": list(deliveries),
        "unmapped": RawEvent.objects.filter(outcome=Outcome.UNMAPPED).count(),
        "errors": errors or {},
        "data": request.POST if status != 200 else {},
    }
    # The page is never cached: it lists the configuration of integrations.
    response = render(request, "delivery/settings_webhooks.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("webhook_settings"))


@admin_required(REFUSAL)
def webhook_settings(request: HttpRequest) -> HttpResponse:
    return _page(request)


@_admin_post
def secret_set(request: HttpRequest, actor: Actor, provider: str) -> HttpResponse:
    if (refused := _unknown_provider(request, provider)) is not None:
        return refused
    form = SecretForm(request.POST)
    if not form.is_valid():
        return _page(request, errors={f"secret-{provider}": "type the secret to set"}, status=400)
    try:
        set_webhook_secret(actor=actor, provider=provider, secret=form.cleaned_data["secret"])
    except ConfigurationInvalid as exc:
        return _page(request, errors={f"secret-{provider}": str(exc)}, status=400)
    messages.success(request, f"{PROVIDER_LABELS[provider][0]} webhook secret saved.")
    return _back()


@_admin_post
def secret_clear(request: HttpRequest, actor: Actor, provider: str) -> HttpResponse:
    if (refused := _unknown_provider(request, provider)) is not None:
        return refused
    if clear_webhook_secret(actor=actor, provider=provider):
        messages.success(
            request,
            f"{PROVIDER_LABELS[provider][0]} webhook secret cleared: its deliveries are refused "
            "until a new one is set.",
        )
    return _back()


@_admin_post
def service_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = ServiceForm(request.POST)
    if not form.is_valid():
        return _page(request, errors={"service": _first_error(form)}, status=400)
    try:
        service = create_service(
            actor=actor,
            key=form.cleaned_data["key"],
            name=form.cleaned_data["name"],
            team_key=form.cleaned_data["team"],
        )
    except ConfigurationInvalid as exc:
        return _page(request, errors={"service": str(exc)}, status=400)
    messages.success(request, f"Service “{service.key}” created: now map its repositories below.")
    return _back()


@_admin_post
def service_team(request: HttpRequest, actor: Actor, key: str) -> HttpResponse:
    service = get_object_or_404(Service, key=key)
    try:
        set_service_team(actor=actor, service=service, team_key=request.POST.get("team", ""))
    except ConfigurationInvalid as exc:
        return _page(request, errors={"service": f"{key}: {exc}"}, status=400)
    messages.success(request, f"Team of “{service.key}” saved.")
    return _back()


@_admin_post
def service_delete(request: HttpRequest, actor: Actor, key: str) -> HttpResponse:
    service = get_object_or_404(Service, key=key)
    delete_service(actor=actor, service=service)
    messages.success(request, f"Service “{key}” deleted with its deployments, changes, incidents.")
    return _back()


@_admin_post
def alias_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = AliasForm(request.POST)
    if not form.is_valid():
        return _page(request, errors={"alias": _first_error(form)}, status=400)
    service = Service.objects.filter(key=form.cleaned_data["service"]).first()
    if service is None:
        return _page(request, errors={"alias": "choose a service"}, status=400)
    provider = form.cleaned_data["provider"]
    try:
        alias = create_alias(
            actor=actor, service=service, provider=provider, external=form.cleaned_data["external"]
        )
    except ConfigurationInvalid as exc:
        return _page(request, errors={"alias": str(exc)}, status=400)
    replayed = replay_unmapped(actor=actor, provider=provider)
    note = f" {replayed} earlier deliveries now found their service." if replayed else ""
    messages.success(request, f"{alias.external} now maps to “{service.key}”.{note}")
    return _back()


@_admin_post
def alias_delete(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    alias = get_object_or_404(ServiceAlias.objects.select_related("service"), pk=pk)
    delete_alias(actor=actor, alias=alias)
    messages.success(request, f"{alias.external} no longer maps to “{alias.service.key}”.")
    return _back()


urlpatterns = [
    path("settings/webhooks/", webhook_settings, name="webhook_settings"),
    path("settings/webhooks/secrets/<str:provider>/", secret_set, name="webhook_secret_set"),
    path(
        "settings/webhooks/secrets/<str:provider>/clear/",
        secret_clear,
        name="webhook_secret_clear",
    ),
    path("settings/webhooks/services/", service_create, name="service_create"),
    path("settings/webhooks/services/<slug:key>/team/", service_team, name="service_team"),
    path("settings/webhooks/services/<slug:key>/delete/", service_delete, name="service_delete"),
    path("settings/webhooks/aliases/", alias_create, name="alias_create"),
    path("settings/webhooks/aliases/<int:pk>/delete/", alias_delete, name="alias_delete"),
]
