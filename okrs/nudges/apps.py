from django.apps import AppConfig


class NudgesConfig(AppConfig):
    name = "okrs.nudges"
    label = "nudges"
    verbose_name = "Nudges"

    def ready(self) -> None:
        from okrs.nudges import tasks  # noqa: F401  (registers the periodic task with huey)
