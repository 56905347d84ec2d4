from django.urls import include, path

urlpatterns = [
    path("", include("okrs.delivery.views_settings")),
    path("", include("okrs.delivery.views_dora")),
]
