from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "okrs.goals.checkins"
    label = "checkins"
    verbose_name = "Check-ins"
