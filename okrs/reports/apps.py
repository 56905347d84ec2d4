from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "okrs.reports"
    label = "reports"
    verbose_name = "Quarterly business review"
