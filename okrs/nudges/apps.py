from django.apps import AppConfig


class NudgesConfig(AppConfig):
    name = "okrs.nudges"
    label = "nudges"
    verbose_name = "Nudges"
