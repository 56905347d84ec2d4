from django.apps import AppConfig


class CoachConfig(AppConfig):
    name = "okrs.coach"
    label = "coach"
    verbose_name = "OKR coach"
