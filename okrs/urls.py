from django.http import HttpRequest, JsonResponse
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from okrs.api.routes import api
from okrs.channels.base import channel_url_modules
from okrs.org.views import account_routes
from okrs.sso.views import sso_routes


def api_not_found(request: HttpRequest, rest: str) -> JsonResponse:
    """Unknown paths under the API answer in the API's own JSON error shape, not HTML."""
    return JsonResponse({"detail": f"no such API route: /api/v1/{rest}"}, status=404)


# A database that is down for a moment answers 503 with Retry-After, not 500 (okrs/web/errors.py).
handler500 = "okrs.web.errors.server_error"

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name no icon (downloads, error pages).
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", api_not_found),
    *account_routes,  # before allauth's: people do not change their own email address
    *sso_routes,  # nor link other accounts to theirs (docs/sso.md)
    path("accounts/", include("allauth.urls")),
    # Provisioning by an identity provider, with a SCIM token only (docs/scim.md).
    path("", include("okrs.scim.views")),
    # Each channel's endpoints and settings pages, from the registry (okrs/channels/base.py).
    *(path("", include(module)) for module in channel_url_modules()),
    # Each domain keeps its pages and their routes in its own package.
    path("", include("okrs.goals.urls")),
    path("", include("okrs.goals.checkins.views")),
    path("", include("okrs.org.views")),
    path("", include("okrs.nudges.urls")),
    path("", include("okrs.metrics.delivery.urls")),
    path("", include("okrs.metrics.sources.urls")),
    path("", include("okrs.coach.urls")),
    path("", include("okrs.insights.urls")),
    path("", include("okrs.reports.urls")),
]
