"""The web app's pages. Each area of the product keeps its routes beside its views."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("okrs.web.views.editor")),
    path("", include("okrs.web.views.settings")),
    path("", include("okrs.web.views.alignment")),
    path("", include("okrs.web.views.keyresults")),
    path("", include("okrs.web.views.dashboard")),
    path("", include("okrs.nudges.urls")),
    path("", include("okrs.channels.slack.settings_urls")),
    path("", include("okrs.metrics.delivery.urls")),
    path("", include("okrs.metrics.sources.urls")),
    path("", include("okrs.coach.urls")),
    path("", include("okrs.insights.urls")),
    path("", include("okrs.reports.urls")),
]
