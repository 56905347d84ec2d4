"""The live coach's endpoints, posted to by the editor's forms as the person types."""

from django.urls import path

from okrs.coach import views

urlpatterns = [
    path("coach/key-result/", views.key_result_findings, name="coach_key_result"),
    path("coach/objective/", views.objective_findings, name="coach_objective"),
]
