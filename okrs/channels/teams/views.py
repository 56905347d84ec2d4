"""Teams's endpoint (/api/teams/messages) and the admin's page (/settings/teams/).

The messaging endpoint authenticates the Bot Framework's bearer token before reading the
activity into anything (okrs/channels/teams/auth.py); a request that fails gets 401 and changes
nothing. The settings page and the app package are for admins only, checked on the server.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from okrs.channels.teams import auth, config, handlers, services
from okrs.channels.teams.models import TeamsConversation
from okrs.channels.teams.package import app_package
from okrs.org.audit import Actor
from okrs.org.models import Person
from okrs.web.shell import admin_post_required, admin_required, signed_in

REFUSAL = "Only an admin can see the Teams settings or download the app package."

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
        verified = auth.validate_token(token, settings=teams)
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
        auth.check_service_url(verified.claims, activity.get("serviceUrl"))
        auth.check_endorsement(verified, activity.get("channelId"))
    except auth.Unauthorized as exc:
        logger.info("teams: refused an activity: %s", exc)
        return JsonResponse({"detail": UNAUTHORIZED}, status=401)
    refused = tenant_refusal(teams, activity)
    if refused:
        logger.warning("teams: refused an activity: %s", refused)
        return JsonResponse({"detail": refused}, status=403)
    reply = handlers.handle(activity)
    if reply.body is None:
        return HttpResponse(status=reply.status)
    return JsonResponse(reply.body, status=reply.status)


def tenant_refusal(teams: config.TeamsSettings, activity: dict[str, object]) -> str:
    """Why an activity's tenant may not post to okrs, or "" when it may.

    People are matched by the email the Bot Connector reports, which the sender's tenant admin
    controls; so only the organisation's own tenants are heard (any tenant can install an app
    with our bot's id). Both places an activity names its tenant must be allowed."""
    if not teams.tenants:
        return (
            "No Microsoft 365 tenant is allowed to use this bot: set OKRS_TEAMS_ALLOWED_TENANTS "
            "(or OKRS_TEAMS_TENANT_ID) to your tenant id."
        )
    named = handlers.activity_tenants(activity)
    if not named or not all(teams.allows(tenant) for tenant in named):
        return "This activity comes from a Microsoft 365 tenant that is not allowed to use okrs."
    return ""


@admin_required(REFUSAL)
def settings_page(request: HttpRequest) -> HttpResponse:
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
        "allowed_tenants": sorted(teams.tenants),
        "links": conversations.select_related("person").order_by("tenant_id", "user_id"),
        "metadata_url": teams.openid_metadata_url,
        "endpoint": f"{settings.BASE_URL}/api/teams/messages",
        "https": settings.BASE_URL.startswith("https://"),
        "linked": conversations.filter(person__isnull=False).count(),
        "unmatched": conversations.filter(person__isnull=True).count(),
        "teams_people": Person.objects.filter(channel="teams", is_active=True).count(),
    }
    return render(request, "teams/settings.html", context)


@admin_post_required(REFUSAL)
def unlink(request: HttpRequest, pk: int) -> HttpResponse:
    """An admin forgets one Teams user's link (a wrong match, a claim to move someone's link):
    that user is unmatched until they install the app again. Audited as the admin."""
    admin = signed_in(request)
    conversation = TeamsConversation.objects.filter(pk=pk).first()
    if conversation is not None:
        services.unlink(
            tenant_id=conversation.tenant_id,
            user_id=conversation.user_id,
            actor=Actor(admin, "web"),
        )
    return redirect("teams_settings")


@admin_required(REFUSAL)
def package_download(request: HttpRequest) -> HttpResponse:
    teams = config.current()
    if not teams.app_id:
        return JsonResponse({"detail": "Set OKRS_TEAMS_APP_ID first."}, status=409)
    content = app_package(app_id=teams.app_id, base_url=settings.BASE_URL)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{PACKAGE_NAME}"'
    return response
