"""Slack's endpoints, mounted at /slack/ (the manifest points Slack at them)."""

from django.urls import path

from okrs.channels.slack import views

urlpatterns = [
    path("events/", views.events, name="slack_events"),
    path("install/", views.install, name="slack_install"),
    path("oauth_redirect/", views.oauth_redirect, name="slack_oauth_redirect"),
]
