from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "okrs.sources"
    label = "sources"
    verbose_name = "Metric sources"
