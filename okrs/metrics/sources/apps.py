from importlib import import_module

from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "okrs.metrics.sources"
    label = "sources"
    verbose_name = "Metric sources"

    def ready(self) -> None:
        from okrs.metrics.sources.public import public_source
        from okrs.metrics.sources.registry import BACKEND_MODULES
        from okrs.org.audit import REDACTED_FIELDS

        # What the audit log keeps of a key result's source: no credential, ever.
        REDACTED_FIELDS["source"] = public_source

        # Each backend module registers itself when imported.
        for module in BACKEND_MODULES:
            import_module(module)
        # The worker (okrs worker, okrs serve) knows only the tasks imported at start-up.
        import_module("okrs.metrics.sources.tasks")
