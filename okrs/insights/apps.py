from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "okrs.insights"
    label = "insights"
    verbose_name = "Insights: alerts, digests, end of cycle"

    def ready(self) -> None:
        from okrs.insights import tasks  # noqa: F401  (registers the hourly task with huey)
