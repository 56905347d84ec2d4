from django.apps import AppConfig


class EffortConfig(AppConfig):
    name = "okrs.metrics.effort"
    label = "effort"
    verbose_name = "Effort to outcomes"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from okrs.goals.models import Initiative
        from okrs.metrics.delivery.ingest import hooks
        from okrs.metrics.effort import services

        # Every stored delivery: a merged pull request becomes a work item.
        hooks.register("effort", services.receive_delivery)
        # Any change to an initiative (apply, the editor, a delete) may move links.
        post_save.connect(services.plan_changed, sender=Initiative, dispatch_uid="effort-save")
        post_delete.connect(services.plan_changed, sender=Initiative, dispatch_uid="effort-del")
        # The worker (okrs worker, okrs serve) knows only the tasks imported at start-up.
        from okrs.metrics.effort import tasks  # noqa: F401
