"""Slack's HTTP endpoints (/slack/...) and the admin's page /settings/slack/.

/slack/events/ takes events, interactivity and the slash command; the signature is checked
before anything else (nothing is parsed for an unsigned request), then the body's shape, and
only then does Bolt read it. "Add to Slack" (/slack/install/) and the OAuth redirect are for
admins only: installing decides which workspace may message everyone, so the server checks the
role on both steps, not just whether the button is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from slack_bolt import BoltRequest
from slack_bolt.adapter.django.handler import to_bolt_request, to_django_response
from slack_sdk.oauth.state_utils import OAuthStateUtils
from slack_sdk.signature import SignatureVerifier

from okrs.channels.slack import bolt
from okrs.channels.slack.models import Installation, SlackAccount
from okrs.channels.slack.payload import MalformedPayload, check
from okrs.channels.slack.services import record_installation, uninstall
from okrs.org.audit import Actor
from okrs.org.models import Person
from okrs.web.shell import admin_post_required, admin_required, signed_in

REFUSAL = "Only an admin can install Slack or change its settings."

STATE_COOKIE_PATH = "/slack/"
STATE_COOKIE_NAME = OAuthStateUtils.default_cookie_name
MANIFEST = Path(__file__).with_name("manifest.yaml")
MANIFEST_PLACEHOLDER = "https://okrs.example.com"

BAD_SIGNATURE = "The Slack signature is missing, wrong, or more than five minutes old."

FAILURES = {
    "access_denied": "The installation was cancelled in Slack.",
    "invalid_browser": "The installation must be finished in the browser that started it.",
    "invalid_state": "The installation link expired or was already used: start again.",
    "invalid_code": "Slack refused the installation code: check the client id and secret.",
    "missing_code": "Slack sent no installation code: start again.",
    "storage_error": "The installation could not be saved.",
}


def manifest_text() -> str:
    """The app manifest with this deployment's address in every URL."""
    return MANIFEST.read_text().replace(MANIFEST_PLACEHOLDER, settings.BASE_URL)


def _not_configured() -> HttpResponse:
    missing = ", ".join(bolt.missing_settings())
    return JsonResponse({"detail": f"Slack is not configured: set {missing}."}, status=503)


def _bolt_request(request: HttpRequest) -> BoltRequest:
    return BoltRequest(
        body=request.body.decode() if request.body else "",
        query=request.META.get("QUERY_STRING", ""),
        headers=dict(request.headers.items()),
    )


@csrf_exempt
def events(request: HttpRequest) -> HttpResponse:
    """Events, interactivity and /okr: one endpoint, as in the manifest."""
    if request.method != "POST":
        return JsonResponse({"detail": "Slack posts here; nothing to see."}, status=405)
    if not bolt.is_configured():
        return _not_configured()
    if not _signed_by_slack(request):
        return JsonResponse({"detail": BAD_SIGNATURE}, status=401)
    app = bolt.request_handler().app
    try:
        check(request.body.decode(), request.content_type)
        bolt_request = to_bolt_request(request)
    except (MalformedPayload, AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
        # Signed but not a Slack payload (Slack sends none such): Bolt would raise while reading
        # it. The shape check names the cases we know; any other that Bolt trips on lands here.
        detail = str(exc) if isinstance(exc, MalformedPayload) else "This is not a Slack payload."
        return JsonResponse({"detail": detail}, status=400)
    response = to_django_response(app.dispatch(bolt_request))
    if response.status_code == 401:
        # Bolt checks the signature again; only a request crossing the five minutes between
        # the two checks gets here.
        return JsonResponse({"detail": BAD_SIGNATURE}, status=401)
    return response


def _signed_by_slack(request: HttpRequest) -> bool:
    """Slack's v0 signature over the raw bytes, within five minutes: checked before any parsing,
    because Bolt's own check runs only after Bolt has parsed the body."""
    verifier = SignatureVerifier(settings.SLACK_SIGNING_SECRET or "")  # set: is_configured()
    try:
        return verifier.is_valid_request(request.body, dict(request.headers.items()))
    except ValueError:  # a timestamp that is not a number, or a body that is not UTF-8
        return False


@admin_required(REFUSAL)
def install(request: HttpRequest) -> HttpResponse:
    if not bolt.is_configured():
        return _not_configured()
    app = bolt.request_handler().app
    assert app.oauth_flow is not None
    answer = app.oauth_flow.handle_installation(_bolt_request(request))
    return _django_response(answer.status, answer.headers)


@admin_required(REFUSAL)
def oauth_redirect(request: HttpRequest) -> HttpResponse:
    person = signed_in(request)
    if not bolt.is_configured():
        return _not_configured()
    app = bolt.request_handler().app
    assert app.oauth_flow is not None
    bolt_request = _bolt_request(request)
    app.oauth_flow.handle_callback(bolt_request)
    outcome = bolt_request.context.get(bolt.OUTCOME) or bolt.OAuthOutcome(False, "unknown")
    if outcome.installed:
        record_installation(
            actor=Actor(person, "web"), enterprise_id=outcome.enterprise_id, team_id=outcome.team_id
        )
        messages.success(request, f"Slack is installed in {outcome.team_name}.")
    else:
        reason = outcome.reason
        messages.error(request, FAILURES.get(reason, f"The installation failed ({reason})."))
    response = HttpResponseRedirect(reverse("slack_settings"))
    response.delete_cookie(STATE_COOKIE_NAME, path=STATE_COOKIE_PATH)
    return response


def _django_response(status: int, headers: dict[str, Sequence[str]]) -> HttpResponse:
    """A redirect to Slack with Bolt's state cookie; the cookie is only sent over HTTPS when
    this site is served over HTTPS (BASE_URL), and never readable by scripts."""
    response = HttpResponse(status=status)
    for name, values in headers.items():
        if name.lower() == "set-cookie":
            continue
        response[name] = values[0]
    for cookie in headers.get("set-cookie", []):
        pair = cookie.split(";", 1)[0]
        name, _, value = pair.partition("=")
        response.set_cookie(
            name.strip(),
            value.strip(),
            max_age=600,
            path=STATE_COOKIE_PATH,
            secure=settings.BASE_URL.startswith("https://"),
            httponly=True,
            samesite="Lax",
        )
    return response


@admin_required(REFUSAL)
def settings_page(request: HttpRequest) -> HttpResponse:
    installations = list(Installation.objects.select_related("installed_by"))
    matched = dict.fromkeys((i.team_id for i in installations), 0)
    for team_id in SlackAccount.objects.exclude(user_id="").values_list("team_id", flat=True):
        if team_id in matched:
            matched[team_id] += 1
    context = {
        "nav": "settings",
        "configured": bolt.is_configured(),
        "settings_status": [
            (env, bool(getattr(settings, name, ""))) for name, env in bolt.ENV_NAMES.items()
        ],
        "api_url": settings.SLACK_API_URL,
        "installations": [(i, matched.get(i.team_id, 0)) for i in installations],
        "manifest": manifest_text(),
        "slack_people": Person.objects.filter(channel="slack", is_active=True).count(),
    }
    return render(request, "slack/settings.html", context)


@admin_post_required(REFUSAL)
def uninstall_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = signed_in(request)
    installation = get_object_or_404(Installation, pk=pk)
    name = installation.team_name or installation.team_id
    uninstall(actor=Actor(person, "web"), installation=installation)
    messages.success(request, f"Slack is uninstalled from {name}.")
    return HttpResponseRedirect(reverse("slack_settings"))
