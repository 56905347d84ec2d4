from django.urls import path

from okrs.nudges import views

urlpatterns: list = [
    path("nudges/checkin/<str:token>/", views.checkin_link, name="nudge_checkin_link"),
    path("settings/nudges/", views.failed_deliveries, name="nudge_failures"),
]
