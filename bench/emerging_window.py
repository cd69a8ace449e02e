"""Emerging themes' window query on a big comment table, PostgreSQL only (issue: trend by "given on" date).

Run against an EMPTY scratch database of your own (it adds 3 ICSs and ROWS comments per ICS):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ih_<you> .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py shell -c "import bench.emerging_window as b; b.main()"
Prints EXPLAIN ANALYZE of discovery's comment query (as `emerging._discovery_texts` builds it) with the
indexes the model has, then with a trial index on (organisation_id, responded_at), dropped afterwards.
"""

import time

from django.db import connection
from django.db.models import F
from django.utils import timezone

ROWS = 300_000  # per ICS, spread evenly over 36 months of `responded_at`, all saved "now"


def _build():
    from insight_hub.organisations.models import ICS
    from tests.factories import OrganisationFactory, ServiceFactory

    if ICS.objects.filter(name="Bench ICS 0").exists():
        return ICS.objects.get(name="Bench ICS 0")
    for n in range(3):
        icb = OrganisationFactory(kind="icb", ods_code=f"QB{n}", name=f"Bench ICB {n}")
        ics = ICS.objects.create(name=f"Bench ICS {n}", icb=icb)
        icb.ics = ics
        icb.save()
        services = [
            ServiceFactory(organisation=OrganisationFactory(ods_code=f"RB{n}{t}", icb=icb, ics=ics))
            for t in range(6)
        ]
        for service in services:
            with connection.cursor() as cur:
                cur.execute(
                    """
                    WITH r AS (
                      INSERT INTO feedback_response (ethnic_category, age_band, sex, disability, source,
                        dedupe_key, responded_at, location_detail, created_at, organisation_id, service_id)
                      SELECT '', '', '', '', 'public_form', 'bench:' || %s || ':' || g,
                        now() - (g %% 1096) * interval '1 day', '', now(), %s, %s
                      FROM generate_series(1, %s) g RETURNING id, responded_at)
                    INSERT INTO feedback_comment (tag_status, tagged_text_hash, tagged_model_version,
                      tag_error, sentiment, safety_signals, sentiment_evidence, question_type, text,
                      redacted_text,
                      redaction_version, responded_at, organisation_id, service_id, response_id, theme_count,
                      text_changed_at)
                    SELECT 'tagged', '', '', '', '', '[]', '[]', 'could_improve',
                      'The wifi on the ward never works, comment ' || id, '', '', responded_at, %s, %s, id, 0,
                      now()
                    FROM r
                    """,
                    [
                        service.pk,
                        service.organisation_id,
                        service.pk,
                        ROWS // 6,
                        service.organisation_id,
                        service.pk,
                    ],
                )
    with connection.cursor() as cur:
        cur.execute("ANALYZE feedback_comment; ANALYZE feedback_response; ANALYZE organisations_organisation")
    return ICS.objects.get(name="Bench ICS 0")


def _explain(sql, params):
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cur.fetchall()]
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            cur.execute(sql, params)
            cur.fetchall()
            runs.append(time.perf_counter() - start)
    return plan, min(runs)


def main():
    from insight_hub.themes import emerging, registry

    ics = _build()
    now = timezone.now()
    taggable = registry.get("feedback.comment")
    path = emerging._given_path(taggable)
    items = emerging._shared_items(taggable, ics.pk).filter(
        **{f"{path}__gte": emerging.window_start(now), f"{path}__lte": now}
    )
    items = items.annotate(**{emerging.GIVEN: F(path)}).order_by(f"-{emerging.GIVEN}", "-pk")
    sql, params = items[: emerging.MAX_TEXTS].query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM feedback_comment")
        print("comments in table:", cur.fetchone()[0], "; in window for the ICS:", items.count())
    plan, best = _explain(sql, params)
    print(f"-- model's indexes: best of 3 fetching all rows {best:.2f}s\n" + "\n".join(plan))
    with connection.cursor() as cur:
        cur.execute(
            "CREATE INDEX bench_comment_org_responded ON feedback_comment (organisation_id, responded_at)"
        )
    try:
        plan, best = _explain(sql, params)
        print(f"-- + (organisation_id, responded_at): best of 3 {best:.2f}s\n" + "\n".join(plan))
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP INDEX bench_comment_org_responded")
