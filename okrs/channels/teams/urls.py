"""Teams's URLs, included at the site root through the channel registry: the bot's messaging
endpoint and the admin page."""

from django.urls import path

from okrs.channels.teams import views

urlpatterns = [
    path("api/teams/messages", views.messages, name="teams_messages"),
    path("settings/teams/", views.settings_page, name="teams_settings"),
    path("settings/teams/unlink/<int:pk>/", views.unlink, name="teams_unlink"),
    path("settings/teams/package.zip", views.package_download, name="teams_package"),
]
