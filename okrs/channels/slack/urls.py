"""Slack's endpoints under /slack/ (the manifest points Slack at them) and the admin's Slack
page, included at the site root by okrs/urls.py through the channel registry."""

from django.urls import path

from okrs.channels.slack import views

urlpatterns = [
    path("slack/events/", views.events, name="slack_events"),
    path("slack/install/", views.install, name="slack_install"),
    path("slack/oauth_redirect/", views.oauth_redirect, name="slack_oauth_redirect"),
    path("settings/slack/", views.settings_page, name="slack_settings"),
    path("settings/slack/<int:pk>/uninstall/", views.uninstall_view, name="slack_uninstall"),
]
