from django.urls import path

from okrs.api.routes import api

urlpatterns = [
    path("api/v1/", api.urls),
]
