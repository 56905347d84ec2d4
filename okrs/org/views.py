"""The signed-in person's settings ("/settings/"): timezone, chat channel and API tokens.

The timezone and channel are checked by the same rules `okrs apply` uses for a person in a plan
file (okrs/ascode/validate.py), so both paths accept and refuse the same values. An API token is
shown once, in the response to the request that created it, and never stored in clear: only its
hash lives in the database (ApiToken.issue). Every change is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from okrs.ascode.parse import PersonSpec, Plan
from okrs.ascode.validate import validate_plan
from okrs.channels.base import admin_pages
from okrs.org.audit import Actor
from okrs.org.forms import ApiTokenForm, PersonSettingsForm
from okrs.org.models import ApiToken, Organisation, Person
from okrs.org.services import create_api_token, revoke_api_token, save_person_settings
from okrs.web.shell import signed_in

CHANNEL = "web"


def _person_form(request: HttpRequest, person: Person, data: Any = None) -> PersonSettingsForm:
    org = Organisation.current()
    initial = {"timezone": person.timezone, "channel": person.channel}
    return PersonSettingsForm(data, initial=initial, default_timezone=org.timezone)


def _check_person(form: PersonSettingsForm, person: Person) -> bool:
    """Apply's checks on a person entry; each problem goes beside the field it names (a field
    the form does not show, such as the email, above the form)."""
    spec = PersonSpec(
        line=1,
        email=person.email.lower(),
        name=person.name,
        timezone=form.cleaned_data["timezone"],
        channel=form.cleaned_data["channel"],
    )
    problems = validate_plan(Plan(line=0, filename="settings", people=[spec]))
    for problem in problems:
        name = problem.field if problem.field in form.fields else None
        form.add_error(name, problem.message)
    return not problems


def _page(
    request: HttpRequest,
    person: Person,
    *,
    person_form: PersonSettingsForm | None = None,
    token_form: ApiTokenForm | None = None,
    new_token: str | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "nav": "settings",
        "person_form": person_form or _person_form(request, person),
        "token_form": token_form or ApiTokenForm(),
        "tokens": list(person.api_tokens.order_by("-created_at")),
        "new_token": new_token,
        # With single sign-on the only way in (OKRS_PASSWORD_SIGNIN=false) there is no password.
        "password_change_url": (
            reverse("account_change_password") if settings.PASSWORD_SIGNIN else None
        ),
        "channel_pages": admin_pages(),
    }
    response = render(request, "org/settings.html", context, status=status)
    if new_token:
        # The one response that holds the token: no cache may keep a copy.
        response["Cache-Control"] = "no-store"
    return response


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    person = signed_in(request)
    if request.method != "POST":
        return _page(request, person)
    form = _person_form(request, person, request.POST)
    if form.is_valid() and _check_person(form, person):
        save_person_settings(
            actor=Actor(person, CHANNEL),
            person=person,
            timezone_name=form.cleaned_data["timezone"],
            channel=form.cleaned_data["channel"],
        )
        messages.success(request, "Settings saved.")
        return HttpResponseRedirect(reverse("settings"))
    return _page(request, person, person_form=form, status=400)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    person = signed_in(request)
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _page(request, person, token_form=form, status=400)
    _, token = create_api_token(
        actor=Actor(person, CHANNEL), person=person, name=form.cleaned_data["name"]
    )
    return _page(request, person, new_token=token, status=201)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    person = signed_in(request)
    # Someone else's token is not found, rather than forbidden: its existence is not told.
    token = get_object_or_404(ApiToken.objects.select_related("person"), pk=pk, person=person)
    if token.revoked_at is None:
        revoke_api_token(actor=Actor(person, CHANNEL), token=token)
        messages.success(request, f"Token “{token.name or token.hint}” revoked.")
    return HttpResponseRedirect(reverse("settings"))


def email_is_set_by_an_admin(request: HttpRequest, **_: str) -> HttpResponse:
    """allauth's pages for adding, verifying and making primary another email address.

    A person's email is their identity in the plan file (owners, team members, the nudge's
    recipient): a self-service change would silently detach them from their key results, or
    let them take an address the plan gives someone else. So these pages answer 404 with a
    page that says who changes it.
    """
    return render(request, "account/email_managed.html", status=404)


# Mounted ahead of allauth's own routes (okrs/urls.py), which they replace.
account_routes = [
    path("accounts/email/", email_is_set_by_an_admin),
    path("accounts/confirm-email/", email_is_set_by_an_admin),
    path("accounts/confirm-email/<str:key>/", email_is_set_by_an_admin),
]

urlpatterns = [
    path("settings/", settings_page, name="settings"),
    path("settings/tokens/", token_create, name="token_create"),
    path("settings/tokens/<int:pk>/revoke/", token_revoke, name="token_revoke"),
]
