"""Benchmark the complex and interesting comments queue: the count and first page a person sees.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> SECRET_KEY=<40+ characters> \\
        SECURE_SSL_REDIRECT=false .venv/bin/python bench/complex_comments.py [--runs 5]

Over a database filled by `manage.py generate_synthetic`. It makes two people (an ICB lead of the first ICS
and a px_lead of its first trust, or reuses them), flags 200 comments "interesting" as the ICB lead (once),
then times what the queue page does for each (count for the pagination, the first 25 rows, their themes and
flags), with no reason and with each reason. It prints the median and worst of `--runs` runs in ms.

The synthetic comments are all short with one or two themes, so none is long or many-themed. With
`--make-complex` it first gives comments that are neither the shares people's labels give in
`px_feedback_train.csv` (4.3% of comments more than 50 words, 7.7% with three themes or more): words appended
to the text, and framework themes added as suggestions through the themes engine's recount
(`tag_counts_refresh`), as a loader writing tags would. Comments already long or many-themed count towards
the shares, so running it again adds only what new comments need.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--make-complex", action="store_true", help="Make the real shares long/many-themed.")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.paginator import Paginator

    from feedback import complex
    from feedback.models import Comment, CommentFlag, FlagKind
    from insight_hub.organisations.models import ICS, Membership, Organisation, Role

    if args.make_complex:
        make_complex()
    ics = ICS.objects.select_related("icb").first()
    trust = Organisation.objects.filter(ics=ics).exclude(pk=ics.icb_id).order_by("pk").first()
    users = get_user_model()
    people = {}
    for name, org, role in [("icb_lead", ics.icb, Role.ICB_LEAD), ("px_lead", trust, Role.PX_LEAD)]:
        user, _ = users.objects.get_or_create(
            username=f"bench-complex-{name}", defaults={"email": f"bench-complex-{name}@example.org"}
        )
        Membership.objects.get_or_create(user=user, organisation=org, role=role)
        people[name] = user
    # 200 flags by the ICB lead, the first time only, so that runs again time the same queue.
    flagged = CommentFlag.objects.filter(user=people["icb_lead"], kind=FlagKind.INTERESTING)
    for comment_id in Comment.objects.order_by("?").values_list("pk", flat=True)[
        : max(0, 200 - flagged.count())
    ]:
        CommentFlag.objects.get_or_create(
            comment_id=comment_id, user=people["icb_lead"], kind=FlagKind.INTERESTING
        )
    in_trust = Comment.objects.filter(organisation=trust).count()
    print(f"comments: {Comment.objects.count():,}; in {trust.ods_code}: {in_trust:,}")
    for name, user in people.items():
        for reason in ["", *dict(complex.Reason.CHOICES)]:
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                keys = complex.queue_keys(user, filters={"reason": reason} if reason else {})
                page = Paginator(keys, 25).get_page(1)
                complex.queue_items(user, complex.comments_for_keys(page.object_list))
                times.append((time.perf_counter() - start) * 1000)
            print(
                f"{name:9} reason={reason or 'any':14} rows={page.paginator.count:>7,} "
                f"median {statistics.median(times):7.1f} ms  worst {max(times):7.1f} ms"
            )


LONG_SHARE, MANY_SHARE = 0.043, 0.077  # px_feedback_train.csv: > 50 words; three labels or more


def make_complex(seed: int = 18) -> None:
    import random

    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from feedback.models import Comment, CommentTag
    from insight_hub.themes.models import Theme
    from insight_hub.themes.services import tag_counts_refresh

    rng = random.Random(seed)
    total = Comment.objects.count()
    themes = list(Theme.objects.filter(ics=None, active=True).values_list("pk", flat=True))
    need_long = round(total * LONG_SHARE) - Comment.objects.filter(word_count__gt=50).count()
    need_many = round(total * MANY_SHARE) - Comment.objects.filter(theme_count__gte=3).count()
    short = list(Comment.objects.filter(word_count__lte=50).values_list("pk", flat=True))
    lengthen = rng.sample(short, max(0, min(need_long, len(short))))
    filler = " and then" * 30  # 60 more words
    for start in range(0, len(lengthen), 5000):
        Comment.objects.filter(pk__in=lengthen[start : start + 5000]).update(
            text=Concat(F("text"), Value(filler))
        )
    few = list(Comment.objects.filter(theme_count__lt=3).values_list("pk", flat=True))
    enrich = rng.sample(few, max(0, min(need_many, len(few))))
    for start in range(0, len(enrich), 2000):
        ids = enrich[start : start + 2000]
        have: dict[int, set[int]] = {}
        for comment_id, theme_id in CommentTag.objects.filter(comment_id__in=ids).values_list(
            "comment_id", "theme_id"
        ):
            have.setdefault(comment_id, set()).add(theme_id)
        new = []
        for comment_id in ids:
            free = [t for t in themes if t not in have.get(comment_id, set())]
            extra = 3 + (rng.random() < 0.3) - len(have.get(comment_id, ()))
            new += [CommentTag(comment_id=comment_id, theme_id=t) for t in rng.sample(free, max(0, extra))]
        CommentTag.objects.bulk_create(new)
        tag_counts_refresh(label="feedback.comment", ids=ids)
    print(f"made {len(lengthen):,} comments long and {len(enrich):,} many-themed")


if __name__ == "__main__":
    main()
