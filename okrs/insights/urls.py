from django.urls import path

from okrs.insights.views import key_result_retrospective, objective_carry_over

urlpatterns: list = [
    path(
        "key-results/<slug:objective_key>/<slug:kr_key>/retrospective/",
        key_result_retrospective,
        name="key_result_retrospective",
    ),
    path("objectives/<slug:key>/carry-over/", objective_carry_over, name="objective_carry_over"),
]
