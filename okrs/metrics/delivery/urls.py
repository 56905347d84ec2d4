from django.urls import include, path

urlpatterns = [
    path("", include("okrs.metrics.delivery.views_settings")),
    path("", include("okrs.metrics.delivery.views_dora")),
]
