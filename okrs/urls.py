from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.views.generic import RedirectView

from okrs.api.routes import api


def api_not_found(request: HttpRequest, rest: str) -> JsonResponse:
    """Unknown paths under the API answer in the API's own JSON error shape, not HTML."""
    return JsonResponse({"detail": f"no such API route: /api/v1/{rest}"}, status=404)


urlpatterns = [
    # Until the web app's pages exist, the front door is the interactive API documentation.
    path("", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", api_not_found),
]
