"""Slack's handled clicks and Teams's handled activities become handled interactions, so that a
press handled before the upgrade is still refused after it (the old tables go next)."""

from django.db import migrations

# (app, model, channel) of each table that kept handled presses before this one.
OLD_TABLES = (("slack", "HandledClick", "slack"), ("teams", "HandledActivity", "teams"))


def forward(apps, schema_editor):
    handled = apps.get_model("channels", "HandledInteraction")
    for app, model, channel in OLD_TABLES:
        rows = apps.get_model(app, model).objects.all()
        handled.objects.bulk_create(
            [handled(channel=channel, key=r.key, created_at=r.created_at) for r in rows.iterator()],
            batch_size=1000,
        )


def backward(apps, schema_editor):
    handled = apps.get_model("channels", "HandledInteraction")
    for app, model, channel in OLD_TABLES:
        old = apps.get_model(app, model)
        rows = handled.objects.filter(channel=channel)
        old.objects.bulk_create(
            [old(key=r.key[:200] if app == "slack" else r.key, created_at=r.created_at) for r in rows],
            batch_size=1000,
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0001_initial"),
        ("slack", "0001_initial"),
        ("teams", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
