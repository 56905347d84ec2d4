"""Teams's endpoint (/api/teams/messages) and the admin's page (/settings/teams/).

The messaging endpoint authenticates the Bot Framework's bearer token before reading the
activity into anything (okrs/channels/teams/auth.py); a request that fails gets 401 and changes
nothing. The settings page and the app package are for admins only, checked on the server.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from okrs.channels.teams import auth, config, handlers
from okrs.channels.teams.models import TeamsConversation
from okrs.channels.teams.package import app_package
from okrs.org.models import Person, Role

logger = logging.getLogger(__name__)

UNAUTHORIZED = "The Bot Framework token is missing, invalid, expired or not for this bot."
PACKAGE_NAME = "okrs-teams.zip"


@csrf_exempt
def messages(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return JsonResponse({"detail": "Teams posts activities here; nothing to see."}, status=405)
    teams = config.current()
    if not teams.configured:
        missing = ", ".join(teams.missing())
        return JsonResponse({"detail": f"Teams is not configured: set {missing}."}, status=503)
    try:
        token = auth.bearer_token(request.headers.get("Authorization"))
        claims = auth.validate_token(token, settings=teams)
    except auth.Unauthorized as exc:
        logger.info("teams: refused an activity: %s", exc)
        return JsonResponse({"detail": UNAUTHORIZED}, status=401)
    try:
        activity = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"detail": "The body is not JSON."}, status=400)
    if not isinstance(activity, dict):
        return JsonResponse({"detail": "The body is not an activity."}, status=400)
    try:
        auth.check_service_url(claims, activity.get("serviceUrl"))
    except auth.Unauthorized as exc:
        logger.info("teams: refused an activity: %s", exc)
        return JsonResponse({"detail": UNAUTHORIZED}, status=401)
    reply = handlers.handle(activity)
    if reply.body is None:
        return HttpResponse(status=reply.status)
    return JsonResponse(reply.body, status=reply.status)


def _admin(request: HttpRequest) -> Person | None:
    person = request.user
    if isinstance(person, Person) and person.is_active and person.role == Role.ADMIN:
        return person
    return None


def _forbidden(request: HttpRequest) -> HttpResponse:
    reason = "Only an admin can see the Teams settings or download the app package."
    return render(request, "web/editor/forbidden.html", {"reason": reason}, status=403)


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    if _admin(request) is None:
        return _forbidden(request)
    teams = config.current()
    conversations = TeamsConversation.objects.all()
    context = {
        "nav": "settings",
        "configured": teams.configured,
        "settings_status": [
            ("OKRS_TEAMS_APP_ID", bool(teams.app_id)),
            ("OKRS_TEAMS_APP_PASSWORD", bool(teams.app_password)),
        ],
        "app_id": teams.app_id,  # not a secret: it is in the app package and every token
        "tenant_id": teams.tenant_id,
        "metadata_url": teams.openid_metadata_url,
        "endpoint": f"{settings.BASE_URL}/api/teams/messages",
        "https": settings.BASE_URL.startswith("https://"),
        "linked": conversations.filter(person__isnull=False).count(),
        "unmatched": conversations.filter(person__isnull=True).count(),
        "teams_people": Person.objects.filter(channel="teams", is_active=True).count(),
    }
    return render(request, "teams/settings.html", context)


@login_required
def package_download(request: HttpRequest) -> HttpResponse:
    if _admin(request) is None:
        return _forbidden(request)
    teams = config.current()
    if not teams.app_id:
        return JsonResponse({"detail": "Set OKRS_TEAMS_APP_ID first."}, status=409)
    content = app_package(app_id=teams.app_id, base_url=settings.BASE_URL)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{PACKAGE_NAME}"'
    return response
