"""The goals pages: dashboard, team pages, alignment map, objective, key-result and initiative
pages, and the editor."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("okrs.goals.views.editor")),
    path("", include("okrs.goals.views.alignment")),
    path("", include("okrs.goals.views.pages")),
    path("", include("okrs.goals.views.dashboard")),
]
