from django.db import migrations


def rebuild_at_the_next_pass(apps, schema_editor):
    """`CriticalFollowUpMonthly.critical` now counts the critical stories as the rest of a board report does
    (a safety concern or criticality 4–5; no longer a story read as negative as well): its stored rows are of
    the old meaning. Forget the watermark so that the next roll-up pass builds every roll-up in full
    (`rollups.refresh_stale` does so when there is none), as 0006 does."""
    RollupState = apps.get_model("dashboards", "RollupState")
    RollupState.objects.filter(key="rollups").update(watermark=None)


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0006_follow_up_rollups")]

    operations = [migrations.RunPython(rebuild_at_the_next_pass, migrations.RunPython.noop)]
