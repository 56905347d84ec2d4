"""The admin's Slack page, included at the site root by okrs/urls.py."""

from django.urls import path

from okrs.channels.slack import views

urlpatterns = [
    path("settings/slack/", views.settings_page, name="slack_settings"),
    path("settings/slack/<int:pk>/uninstall/", views.uninstall_view, name="slack_uninstall"),
]
