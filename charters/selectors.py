"""Reads for charters: who may read which, the evidence under each commitment, progress for the board
report and the system dashboard, and what is overdue for an owner.

Evidence reads the dashboards' roll-ups (never raw rows) plus a few stories and comments, which go through
`Story.objects.usable_for` and are read as redacted text only. The `org_ids` a caller passes are already
narrowed to what the person may see (`evidence_reach`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from dashboards.quotes import DashboardQuote, sentiment_quotes
from dashboards.selectors import fft_trend, spc_points, theme_trend
from feedback.metrics import FFTCounts, fft_figures
from insight_hub.organisations.models import ICS, Organisation, OrganisationKind
from insight_hub.organisations.permissions import scope_for
from insight_hub.periods import Period
from insight_hub.suppression import SUPPRESSED, shown, shown_percent, suppress
from stories.models import ActionStatus

from .models import (
    Charter,
    CharterStatus,
    Commitment,
    CommitmentMetric,
    MetricKind,
    Review,
    ReviewAction,
    ReviewStatus,
)

# --- Who may read what ---------------------------------------------------------------------------------


def readable_ics_ids(user) -> set[int]:
    """ICSs whose charters the person may read: the whole-system roles, and trust people of its partners."""
    scope = scope_for(user)
    ids = set(scope.system_ics_ids)
    org_ids = scope.px_org_ids | scope.board_org_ids
    if org_ids:
        ids |= set(
            Organisation.objects.filter(pk__in=org_ids, ics__isnull=False).values_list("ics_id", flat=True)
        )
    return ids


def can_set_up(user, ics_id: int) -> bool:
    """Set up and co-design charters: the ICS's system administrators."""
    return ics_id in scope_for(user).admin_ics_ids


def can_review(user, ics_id: int) -> bool:
    """Record reviews of commitments: the ICS's ICB leads (the owners are among them)."""
    return ics_id in scope_for(user).icb_lead_ics_ids


def charters_for(user) -> QuerySet[Charter]:
    return Charter.objects.filter(ics_id__in=readable_ics_ids(user)).select_related("ics")


def charter_get_or_404(user, pk: int) -> Charter:
    charter = charters_for(user).filter(pk=pk).first()
    if charter is None:
        raise Http404
    return charter


def commitment_get_or_404(user, pk: int) -> Commitment:
    commitment = (
        Commitment.objects.filter(pk=pk, charter__ics_id__in=readable_ics_ids(user))
        .select_related("charter__ics", "owner")
        .first()
    )
    if commitment is None:
        raise Http404
    return commitment


def action_get_or_404(user, pk: int) -> ReviewAction:
    action = (
        ReviewAction.objects.filter(pk=pk, review__commitment__charter__ics_id__in=readable_ics_ids(user))
        .select_related("review__commitment__charter", "owner")
        .first()
    )
    if action is None:
        raise Http404
    return action


def partner_organisations(ics: ICS) -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(ics=ics, closed_on__isnull=True)
        .exclude(kind=OrganisationKind.ICB)
        .order_by("name")
    )


def evidence_reach(user, ics: ICS) -> tuple[dict[int, str], bool]:
    """The partner organisations whose figures this person may see under a commitment, by name, and whether
    that is the whole ICS. Trust people see their own organisation's evidence, as on the dashboards."""
    partners = list(partner_organisations(ics))
    scope = scope_for(user)
    if ics.pk in scope.system_ics_ids:
        return {o.pk: o.display_name for o in partners}, True
    own = scope.px_org_ids | scope.board_org_ids
    return {o.pk: o.display_name for o in partners if o.pk in own}, False


def public_charter_or_404(public_id) -> Charter:
    """The public page shows an adopted charter (or a superseded one, marked as such); never a draft."""
    charter = (
        Charter.objects.filter(
            public_id=public_id, status__in=[CharterStatus.ADOPTED, CharterStatus.SUPERSEDED]
        )
        .select_related("ics")
        .first()
    )
    if charter is None:
        raise Http404
    return charter


def adopted_charter_for_icb(ods_code: str) -> Charter:
    """The adopted charter of the ICS led by this ICB (public: the ODS code is public too), or 404."""
    charter = (
        Charter.objects.filter(ics__icb__ods_code=ods_code.upper(), status=CharterStatus.ADOPTED)
        .select_related("ics")
        .first()
    )
    if charter is None:
        raise Http404
    return charter


def adopted_charter(ics: ICS) -> Charter | None:
    return Charter.objects.filter(ics=ics, status=CharterStatus.ADOPTED).first()


# --- Evidence ------------------------------------------------------------------------------------------


@dataclass
class MetricEvidence:
    metric: CommitmentMetric
    label: str
    points: list[tuple[dt.date, float | str | None]]  # "*": hidden (a small count)
    period_percent: int | None | str  # % positive over the period; "*" when too few responses
    responses: int | str
    target: float | None
    narrowed: bool = False  # computed over the person's own organisation(s), not the metric's whole scope

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or not isinstance(self.period_percent, int):
            return None
        return self.period_percent >= self.target


@dataclass
class TrustThemeRow:
    organisation: str
    mentions: int | str
    net_sentiment: int | None | str
    negative_percent: int | None | str


@dataclass
class ThemeEvidence:
    theme: object
    months: list  # dashboards.selectors.ThemeMonth
    positive: int
    neutral: int
    negative: int
    by_trust: list[TrustThemeRow]
    all_row: TrustThemeRow | None = None  # the "All" line under by_trust, suppressed with it

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def mentions(self) -> int | str:
        return self.all_row.mentions if self.all_row else self.total

    @property
    def net_sentiment(self) -> int | None | str:
        return self.all_row.net_sentiment if self.all_row else None


@dataclass
class Evidence:
    period: Period
    metrics: list[MetricEvidence] = field(default_factory=list)
    themes: list[ThemeEvidence] = field(default_factory=list)
    positive: list[DashboardQuote] = field(default_factory=list)
    # Negative quotes: what people criticised, shown under that heading. Not critical stories in the sense of
    # `stories.models.CRITICAL_STORY`; the name stays because stored reviews' snapshots use the key.
    critical: list[DashboardQuote] = field(default_factory=list)
    whole_ics: bool = True


def _metric_scope(metric: CommitmentMetric, org_ids: list[int]) -> tuple[list[int], list[int] | None]:
    """(organisation ids, service ids or None) the metric reads, within `org_ids`."""
    from insight_hub.organisations.models import Service

    if metric.kind == MetricKind.FFT_ORGANISATION:
        return [o for o in org_ids if o == metric.organisation_id], None
    if metric.kind == MetricKind.FFT_SETTING:
        services = list(
            Service.objects.filter(organisation_id__in=org_ids, fft_setting=metric.setting).values_list(
                "pk", flat=True
            )
        )
        return org_ids, services
    return org_ids, None


def metric_evidence(metric: CommitmentMetric, target, org_ids: list[int], period: Period, *, whole_ics=True):
    orgs, services = _metric_scope(metric, org_ids)
    trend = fft_trend(orgs, services, period) if orgs else [(m, FFTCounts()) for m in period.months]
    total = FFTCounts()
    for _, counts in trend:
        total = FFTCounts(*(a + b for a, b in zip(total.as_tuple(), counts.as_tuple(), strict=True)))
    figures = fft_figures(total)
    narrowed = not whole_ics and metric.kind != MetricKind.FFT_ORGANISATION
    return MetricEvidence(
        metric=metric,
        label=metric.label + (" (your organisation only)" if narrowed else ""),
        points=spc_points(trend),
        period_percent=figures.percent_positive,
        responses=figures.total,
        target=float(target) if target is not None else None,
        narrowed=narrowed,
    )


def theme_evidence(theme, org_names: dict[int, str], period: Period) -> ThemeEvidence:
    from dashboards.models import ThemeMonthly

    org_ids = list(org_names)
    months = theme_trend(theme.pk, org_ids, None, period)
    per_org: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        ThemeMonthly.objects.filter(period.filter(), organisation_id__in=org_ids, theme_id=theme.pk)
        .values("organisation_id", "sentiment")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for row in rows:
        per_org[row["organisation_id"]][row["sentiment"] or "neutral"] += row["n"]
    by_trust, all_row = _theme_table(
        [(name, per_org.get(org_id, {})) for org_id, name in sorted(org_names.items(), key=lambda i: i[1])]
    )
    return ThemeEvidence(
        theme=theme,
        months=months,
        positive=sum(m.positive for m in months),
        neutral=sum(m.neutral for m in months),
        negative=sum(m.negative for m in months),
        by_trust=by_trust,
        all_row=all_row,
    )


def _theme_table(lines: list[tuple[str, dict]]) -> tuple[list[TrustThemeRow], TrustThemeRow]:
    """Mentions, net sentiment and % negative per organisation, and for all of them, suppressed as one table:
    net sentiment and % negative make each line's positive and negative counts shown sums, and the "All" line
    is the sum of the lines above it."""
    cells = []
    for _, counts in lines:
        cells += [counts.get("positive", 0), counts.get("neutral", 0), counts.get("negative", 0)]
    k = len(lines)
    figures = [f for i in range(k) for f in ((3 * i, 3 * i + 1, 3 * i + 2), (3 * i,), (3 * i + 2,))]
    figures += [tuple(range(3 * k)), tuple(range(0, 3 * k, 3)), tuple(range(2, 3 * k, 3))]
    hidden = suppress(cells, figures)

    def line(name: str, base: int, positive: int, negative: int, total: int) -> TrustThemeRow:
        if total == 0:
            return TrustThemeRow(name, 0, None, None)
        total_hidden = base in hidden
        sentiment_hidden = total_hidden or base + 1 in hidden or base + 2 in hidden
        return TrustThemeRow(
            name,
            shown(total, total_hidden),
            SUPPRESSED if sentiment_hidden else round(100 * (positive - negative) / total),
            shown_percent(negative, total, hidden=total_hidden or base + 2 in hidden),
        )

    rows = [
        line(name, 3 * i, cells[3 * i], cells[3 * i + 2], sum(cells[3 * i : 3 * i + 3]))
        for i, (name, _) in enumerate(lines)
    ]
    all_row = line("All", 3 * k, sum(cells[0::3]), sum(cells[2::3]), sum(cells))
    return rows, all_row


def tagged_quotes(
    theme_ids: list[int], org_names: dict[int, str], period: Period, *, sentiment: str, n: int = 2
) -> list[DashboardQuote]:
    """Recent stories (then survey comments) tagged with any of the themes with this sentiment: consented
    for internal learning, never withdrawn, redacted text only; newest first. The dashboards' own picker."""
    if not theme_ids or not org_names:
        return []
    return sentiment_quotes(
        theme_ids=theme_ids,
        org_ids=list(org_names),
        service_ids=None,
        period=period,
        sentiment=sentiment,
        wanted=n,
        org_names=org_names,
    )


def commitment_evidence(commitment: Commitment, period: Period, org_names: dict[int, str], *, whole_ics=True):
    """The evidence under one commitment for a period, within the organisations named in `org_names`."""
    org_ids = list(org_names)
    evidence = Evidence(period=period, whole_ics=whole_ics)
    for metric in commitment.metrics.select_related("organisation"):
        if (
            not whole_ics
            and metric.kind == MetricKind.FFT_ORGANISATION
            and metric.organisation_id not in org_names
        ):
            continue  # another trust's figure: not this person's to see
        evidence.metrics.append(
            metric_evidence(metric, commitment.target_percent, org_ids, period, whole_ics=whole_ics)
        )
    themes = list(commitment.themes.all())
    evidence.themes = [theme_evidence(theme, org_names, period) for theme in themes]
    theme_ids = [t.pk for t in themes]
    evidence.positive = tagged_quotes(theme_ids, org_names, period, sentiment="positive")
    evidence.critical = tagged_quotes(theme_ids, org_names, period, sentiment="negative")
    return evidence


def evidence_snapshot(commitment: Commitment, period: Period) -> dict:
    """The whole-ICS evidence as plain JSON, kept on a review as it was at the time: figures, and stories
    by reference only (their text is not copied, so a later withdrawal of consent still takes effect)."""
    org_names = {o.pk: o.display_name for o in partner_organisations(commitment.charter.ics)}
    evidence = commitment_evidence(commitment, period, org_names)
    return {
        "period": {"first": period.first.isoformat(), "last": period.last.isoformat(), "label": period.label},
        "taken_at": timezone.now().isoformat(timespec="seconds"),
        "metrics": [
            {
                "label": m.label,
                "period_percent": m.period_percent,
                "responses": m.responses,
                "target": m.target,
                "months": [[month.isoformat(), value] for month, value in m.points],
            }
            for m in evidence.metrics
        ],
        "themes": [
            {
                "name": t.theme.name,
                "mentions": t.mentions,
                "net_sentiment": t.net_sentiment,
                "by_trust": [
                    {"organisation": r.organisation, "mentions": r.mentions, "net_sentiment": r.net_sentiment}
                    for r in t.by_trust
                ],
            }
            for t in evidence.themes
        ],
        "stories": {
            "positive": [q.reference for q in evidence.positive],
            "critical": [q.reference for q in evidence.critical],
        },
    }


# --- Progress: board report and system dashboard -------------------------------------------------------

STATUS_LABELS = {**dict(ReviewStatus.choices), "not_reviewed": "Not reviewed yet"}


@dataclass
class ActionProgress:
    description: str
    owner: object
    due_on: dt.date
    status: str  # "open" / "done" / "overdue"
    organisation: str = ""


@dataclass
class CommitmentProgress:
    charter_title: str
    commitment_text: str
    category: str
    owner: object  # a User or None
    status: str  # "on_track" / "at_risk" / "not_met" / "not_reviewed"
    status_label: str
    last_reviewed_on: dt.date | None
    next_review_due: dt.date | None
    narrative: str
    actions: list[ActionProgress] = field(default_factory=list)
    commitment_id: int | None = None

    @property
    def review_overdue(self) -> bool:
        return self.next_review_due is not None and self.next_review_due < timezone.localdate()


def charter_in_force(ics: ICS, on: dt.date) -> Charter | None:
    """The charter adopted on that day: adopted by then, and not yet superseded."""
    tz = timezone.get_current_timezone()
    end_of_day = dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return (
        Charter.objects.filter(ics=ics, adopted_at__lt=end_of_day)
        .filter(Q(superseded_at__isnull=True) | Q(superseded_at__gte=end_of_day))
        .order_by("-adopted_at")
        .first()
    )


def _action_status(action: ReviewAction, on: dt.date) -> str:
    if action.status == ActionStatus.DONE and (action.done_on is None or action.done_on <= on):
        return "done"
    return "overdue" if action.due_on < on else "open"


def charter_progress(
    *, ics: ICS, first: dt.date, last: dt.date, organisation: Organisation | None = None
) -> list[CommitmentProgress]:
    """For a board report covering first..last: each commitment of the charter in force on `last`, with its
    latest review up to `last` (status, narrative) and that review's actions.

    With `organisation`, a trust's report: commitments that follow another organisation's figure only are
    left out, and so are actions carried out at another organisation."""
    charter = charter_in_force(ics, last)
    if charter is None:
        return []
    commitments = (
        charter.commitments.select_related("owner", "charter")
        .prefetch_related(
            Prefetch("metrics", queryset=CommitmentMetric.objects.all()),
            Prefetch(
                "reviews",
                queryset=Review.objects.filter(reviewed_on__lte=last).prefetch_related(
                    Prefetch("actions", queryset=ReviewAction.objects.select_related("owner", "organisation"))
                ),
            ),
        )
        .order_by("order", "pk")
    )
    out = []
    for commitment in commitments:
        metrics = list(commitment.metrics.all())
        if (
            organisation is not None
            and metrics
            and all(
                m.kind == MetricKind.FFT_ORGANISATION and m.organisation_id != organisation.pk
                for m in metrics
            )
        ):
            continue
        reviews = _reviews_with_history(commitment, last)
        latest = max(reviews, key=lambda r: (r.reviewed_on, r.pk), default=None)
        actions = []
        if latest is not None:
            for action in latest.actions.all():
                if organisation is not None and action.organisation_id not in (None, organisation.pk):
                    continue
                actions.append(
                    ActionProgress(
                        description=action.description,
                        owner=action.owner,
                        due_on=action.due_on,
                        status=_action_status(action, last),
                        organisation=action.organisation.display_name if action.organisation else "",
                    )
                )
        status = latest.status if latest is not None else "not_reviewed"
        out.append(
            CommitmentProgress(
                charter_title=charter.title,
                commitment_text=commitment.text,
                category=commitment.get_category_display(),
                owner=commitment.owner,
                status=status,
                status_label=STATUS_LABELS[status],
                last_reviewed_on=latest.reviewed_on if latest else None,
                next_review_due=commitment.next_review_due(reviews=reviews),
                narrative=latest.narrative if latest else "",
                actions=actions,
                commitment_id=commitment.pk,
            )
        )
    return out


def _reviews_with_history(commitment: Commitment, last: dt.date) -> list[Review]:
    """This commitment's reviews up to `last`, and (before its first) those of the same promise in earlier
    versions, so a reworded commitment keeps its latest status until it is reviewed again."""
    reviews = list(commitment.reviews.all())
    if reviews or commitment.origin_id is None:
        return reviews
    return list(
        Review.objects.filter(commitment_id=commitment.origin_id, reviewed_on__lte=last).prefetch_related(
            Prefetch("actions", queryset=ReviewAction.objects.select_related("owner", "organisation"))
        )
    )


@dataclass
class CharterStatusSummary:
    charter: Charter | None
    rows: list[CommitmentProgress]
    drafts: list[Charter]

    @property
    def overdue_reviews(self) -> int:
        return sum(1 for row in self.rows if row.review_overdue)

    @property
    def overdue_actions(self) -> int:
        return sum(1 for row in self.rows for a in row.actions if a.status == "overdue")


def charter_status_summary(ics: ICS) -> CharterStatusSummary:
    """The adopted charter's commitments with status, owner and what is overdue, for the system view."""
    today = timezone.localdate()
    charter = adopted_charter(ics)
    rows = charter_progress(ics=ics, first=today, last=today) if charter else []
    drafts = list(
        Charter.objects.filter(ics=ics, status__in=[CharterStatus.DRAFT, CharterStatus.CONSULTATION])
    )
    return CharterStatusSummary(charter=charter, rows=rows, drafts=drafts)


# --- Overdue for an owner ------------------------------------------------------------------------------


@dataclass
class OverdueItem:
    kind: str  # "review" / "action"
    title: str
    due: dt.date
    url: str


def overdue_for(user) -> list[OverdueItem]:
    """Reviews of commitments the person owns (adopted charters) and open actions they own, past due."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    items = []
    commitments = Commitment.objects.filter(owner=user, charter__status=CharterStatus.ADOPTED).select_related(
        "charter"
    )
    for commitment in commitments.prefetch_related("reviews"):
        due = commitment.next_review_due(reviews=list(commitment.reviews.all()))
        if due is not None and due < today:
            items.append(
                OverdueItem(
                    "review",
                    f"Review commitment {commitment.order}: {commitment.text[:100]}",
                    due,
                    reverse("charters:commitment_detail", args=[commitment.pk]),
                )
            )
    actions = ReviewAction.objects.filter(
        owner=user, status=ActionStatus.OPEN, due_on__lt=today
    ).select_related("review")
    for action in actions:
        items.append(
            OverdueItem(
                "action",
                action.description[:120],
                action.due_on,
                reverse("charters:commitment_detail", args=[action.review.commitment_id]),
            )
        )
    return sorted(items, key=lambda i: i.due)
