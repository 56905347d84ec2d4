from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "okrs.checkins"
    label = "checkins"
    verbose_name = "Check-ins"
