"""Keep each comment's count of standing theme tags (suggested or confirmed, not rejected) on the comment, for
the complex comments queue's "many themes"; the themes engine keeps it from now on, this fills it once."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery


def count_standing_tags(apps, schema_editor):
    Comment = apps.get_model("feedback", "Comment")
    CommentTag = apps.get_model("feedback", "CommentTag")
    standing = CommentTag.objects.exclude(decision="rejected")
    per_comment = (
        standing.filter(comment=OuterRef("pk")).order_by().values("comment").annotate(n=Count("pk")).values("n")
    )
    # Only comments with a standing tag are written: the rest keep the new column's 0.
    Comment.objects.filter(pk__in=standing.values("comment")).update(theme_count=Subquery(per_comment))


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0009_import_value_mapping"),
        ("organisations", "0003_service_short_code"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="theme_count",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(count_standing_tags, migrations.RunPython.noop, elidable=True),
        # Built after the counts are in, once. The queue: long or many-themed comments in reach.
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("word_count__gt", 50), ("theme_count__gte", 3), _connector="OR"),
                fields=["organisation", "responded_at", "id"],
                include=["word_count", "theme_count"],
                name="comment_complex",
            ),
        ),
    ]
