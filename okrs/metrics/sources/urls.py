from django.urls import path

from okrs.metrics.sources import views

urlpatterns = [
    path("settings/sources/", views.sources_settings, name="sources_settings"),
    path(
        "settings/sources/credentials/<slug:name>/",
        views.credential_edit,
        name="source_credential_edit",
    ),
    path(
        "settings/sources/credentials/<slug:name>/delete/",
        views.credential_delete,
        name="source_credential_delete",
    ),
    path(
        "key-results/<slug:objective_key>/<slug:kr_key>/sync/",
        views.key_result_sync_now,
        name="key_result_sync_now",
    ),
]
