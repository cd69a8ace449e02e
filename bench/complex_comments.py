"""Benchmark the complex and interesting comments queue: the count and first page a person sees.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> SECRET_KEY=<40+ characters> \\
        SECURE_SSL_REDIRECT=false .venv/bin/python bench/complex_comments.py [--runs 5]

Over a database filled by `manage.py generate_synthetic`. It makes two people (an ICB lead of the first ICS
and a px_lead of its first trust, or reuses them), flags 200 comments "interesting" as the ICB lead, then
times what the queue page does for each (count for the pagination, the first 25 rows, their themes and
flags), with no reason and with each reason. It prints the median and worst of `--runs` runs in ms.
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
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.paginator import Paginator

    from feedback import complex
    from feedback.models import Comment, CommentFlag, FlagKind
    from insight_hub.organisations.models import ICS, Membership, Organisation, Role

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
    for comment_id in Comment.objects.order_by("?").values_list("pk", flat=True)[:200]:
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
                queue = complex.complex_comments_for(user, filters={"reason": reason} if reason else {})
                page = Paginator(queue, 25).get_page(1)
                complex.queue_items(user, list(page.object_list))
                times.append((time.perf_counter() - start) * 1000)
            print(
                f"{name:9} reason={reason or 'any':14} rows={page.paginator.count:>7,} "
                f"median {statistics.median(times):7.1f} ms  worst {max(times):7.1f} ms"
            )


if __name__ == "__main__":
    main()
