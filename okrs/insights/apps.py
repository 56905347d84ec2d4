from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "okrs.insights"
    label = "insights"
    verbose_name = "Insights: alerts, digests, end of cycle"
