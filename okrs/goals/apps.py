from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "okrs.goals"
    label = "goals"
    verbose_name = "Goals"

    def ready(self) -> None:
        from okrs.goals import tasks  # noqa: F401  (registers the periodic tasks with huey)
