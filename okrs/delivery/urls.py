from django.urls import include, path

urlpatterns = [
    path("", include("okrs.delivery.views_settings")),
]
