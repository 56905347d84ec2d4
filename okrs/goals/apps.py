from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "okrs.goals"
    label = "goals"
    verbose_name = "Goals"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from okrs.goals import tasks  # noqa: F401  (registers the periodic tasks with huey)
        from okrs.goals.generation import install_after_migrate

        # After every migrate and flush: see okrs.goals.generation for why not in a migration.
        post_migrate.connect(install_after_migrate, sender=self)
