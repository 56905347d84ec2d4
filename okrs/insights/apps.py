from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "okrs.insights"
    label = "insights"
    verbose_name = "Insights: alerts, digests, end of cycle"

    def ready(self) -> None:
        from okrs.goals.signals import cycle_frozen
        from okrs.insights import messages, tasks  # noqa: F401  (tasks: the hourly task)
        from okrs.insights.end_of_cycle import prompt_owners_after_freeze

        # The sender words alerts, digests and prompts with the builders insights registers.
        messages.register()
        # Insights plans its own end-of-cycle work when the plan freezes a cycle.
        cycle_frozen.connect(prompt_owners_after_freeze, dispatch_uid="insights.retrospectives")
