"""Complex and interesting comments: the queue of comments worth a person's closer reading.

A comment is in the queue for any of four reasons: it is long (more than `LONG_WORDS` words), it carries many
themes (`MIN_THEMES` or more standing tags: suggested or confirmed, not rejected), or a person flagged it
"interesting" or "wrongly coded". Reads go through the person's records scope (a px_lead: their trust's
comments, originals; the ICS's lead and administrator: the system's, redacted text; a board member reads
dashboards and reports, not comments, so has no queue), like the response list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from insight_hub import exports
from insight_hub.organisations.models import Organisation
from insight_hub.organisations.permissions import can_read_original, records_filter_for
from insight_hub.themes.models import TagDecision

from .forms import FilterForm
from .models import Comment, CommentFlag, CommentTag, FlagKind
from .selectors import FlagState, _start_of, comment_display_text

LONG_WORDS = 50
MIN_THEMES = 3


class Reason:
    LONG = "long"
    MANY_THEMES = "many_themes"
    INTERESTING = FlagKind.INTERESTING.value
    WRONGLY_CODED = FlagKind.WRONGLY_CODED.value

    CHOICES = [
        (LONG, f"Long (more than {LONG_WORDS} words)"),
        (MANY_THEMES, f"Many themes ({MIN_THEMES} or more)"),
        (INTERESTING, "Flagged interesting"),
        (WRONGLY_CODED, "Flagged wrongly coded"),
    ]
    LABELS = dict(CHOICES)


class ComplexFilterForm(FilterForm):
    """The queue's filters, read from the query string. An invalid value is reported and ignored."""

    reason = forms.ChoiceField(choices=[("", "Any reason"), *Reason.CHOICES], required=False)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="All organisations",
        to_field_name="ods_code",
    )
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


def organisations_for_queue(user) -> QuerySet[Organisation]:
    """Organisations whose comments the person reads, for the organisation filter."""
    return records_filter_for(user, Organisation.objects.all(), organisation_path="").order_by("name")


def _flagged(kind: str):
    return Exists(CommentFlag.objects.filter(comment=OuterRef("pk"), kind=kind))


def queue_keys(user, *, filters: dict | None = None) -> QuerySet:
    """The queue as (id, responded_at) rows, newest first: comments the person reads that are long, carry
    many themes or were flagged, narrowed by the filters (reason, organisation, date_from, date_to). What the
    pagination counts and slices; `comments_for_keys` fetches a page's comments.

    The reach is the person's records scope (`organisations_for_queue`, the same test as the response list)
    turned into a list of organisation ids, so that the database reads the queue's partial index
    (`comment_complex`: organisation, date and id of the long or many-themed comments, with both counts)
    without touching a comment's row to count or order it. With no reason the long-or-many part and the
    flagged rest are one union of keys, so the work grows with the comments in the queue, not with every
    comment in reach as an OR of the four tests would."""
    filters = filters or {}
    reach = list(organisations_for_queue(user).values_list("pk", flat=True))
    if org := filters.get("organisation"):
        reach = [pk for pk in reach if pk == org.pk]
    comments = Comment.objects.filter(organisation_id__in=reach)
    if day := filters.get("date_from"):
        comments = comments.filter(responded_at__gte=_start_of(day))
    if day := filters.get("date_to"):
        comments = comments.filter(responded_at__lt=_start_of(day + timedelta(days=1)))
    long_or_many = Q(word_count__gt=LONG_WORDS) | Q(theme_count__gte=MIN_THEMES)  # the index's condition
    by_reason = {
        Reason.LONG: Q(word_count__gt=LONG_WORDS),
        # A column the themes engine keeps (feedback.Comment.theme_count), not a grouping of every tag.
        Reason.MANY_THEMES: Q(theme_count__gte=MIN_THEMES),
        Reason.INTERESTING: Q(_flagged(FlagKind.INTERESTING)),
        Reason.WRONGLY_CODED: Q(_flagged(FlagKind.WRONGLY_CODED)),
    }
    if reason := filters.get("reason"):
        keys = comments.filter(by_reason[reason]).values_list("id", "responded_at")
    else:
        # Flagged comments not already in by length or themes: the two parts never overlap, so the union
        # keeps every row (UNION ALL) and the database need not hash tens of thousands of ids to drop twins.
        flagged_only = comments.filter(pk__in=CommentFlag.objects.values("comment_id")).exclude(long_or_many)
        keys = (
            comments.filter(long_or_many)
            .values_list("id", "responded_at")
            .union(flagged_only.values_list("id", "responded_at"), all=True)
        )
    return keys.order_by("-responded_at", "-id")


def comments_for_keys(keys) -> list[Comment]:
    """The comments of (id, responded_at) rows, in their order, with what a page shows of each."""
    ids = [key[0] for key in keys]
    found = Comment.objects.select_related("organisation", "service", "response").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def complex_comments_for(user, *, filters: dict | None = None) -> list[Comment]:
    """The whole queue's comments, newest first (see `queue_keys`)."""
    return comments_for_keys(queue_keys(user, filters=filters))


def comment_for_flagging(user, *, pk: int) -> Comment:
    """A comment the person reads, or 404: only they may flag it."""
    try:
        return records_filter_for(user, Comment.objects.select_related("organisation")).get(pk=pk)
    except Comment.DoesNotExist:
        raise Http404 from None


def reasons_of(*, word_count: int, theme_count: int, flag_kinds: set[str]) -> list[str]:
    """Why a comment is in the queue, as labels."""
    reasons = []
    if word_count > LONG_WORDS:
        reasons.append(Reason.LONG)
    if theme_count >= MIN_THEMES:
        reasons.append(Reason.MANY_THEMES)
    reasons += [kind for kind in (Reason.INTERESTING, Reason.WRONGLY_CODED) if kind in flag_kinds]
    return [Reason.LABELS[reason] for reason in reasons]


@dataclass(frozen=True)
class QueueItem:
    comment: Comment
    text: str
    is_original: bool
    reasons: list[str]
    themes: list[str]
    flags: FlagState


def queue_items(user, comments: list[Comment]) -> list[QueueItem]:
    """One page of the queue, ready to show: the text the person may read, reasons, themes and flags."""
    ids = [comment.pk for comment in comments]
    themes: dict[int, list[str]] = {}
    for comment_id, name in (
        CommentTag.objects.filter(comment_id__in=ids)
        .exclude(decision=TagDecision.REJECTED)
        .order_by("theme__name")
        .values_list("comment_id", "theme__name")
    ):
        themes.setdefault(comment_id, []).append(name)
    flags: dict[int, list[tuple[int, str]]] = {}
    for comment_id, user_id, kind in CommentFlag.objects.filter(comment_id__in=ids).values_list(
        "comment_id", "user_id", "kind"
    ):
        flags.setdefault(comment_id, []).append((user_id, kind))
    items = []
    for comment in comments:
        counts: dict[str, int] = {}
        for _, kind in flags.get(comment.pk, []):
            counts[kind] = counts.get(kind, 0) + 1
        mine = frozenset(kind for user_id, kind in flags.get(comment.pk, []) if user_id == user.pk)
        items.append(
            QueueItem(
                comment=comment,
                text=comment_display_text(user, comment),
                is_original=can_read_original(user, comment.organisation),
                reasons=reasons_of(
                    word_count=comment.word_count,
                    theme_count=comment.theme_count,
                    flag_kinds=set(counts),
                ),
                themes=themes.get(comment.pk, []),
                flags=FlagState(comment=comment, mine=mine, counts=counts),
            )
        )
    return items


CSV_HEADER = [
    "Comment id",
    "Response id",
    "Organisation ODS code",
    "Organisation",
    "Service",
    "Question type",
    "Responded at",
    "Reasons",
    "Themes",
    "Words",
    "People who flagged it interesting",
    "People who flagged it wrongly coded",
    "Comment",
    "Text shown",
]
CHUNK = 500


def csv_rows(user, keys: QuerySet) -> Iterator[list]:
    """The whole filtered queue (`queue_keys`), in chunks; original text only where the person may read it.
    The keys are read once (two numbers a comment), not sorted again for each chunk."""
    keys = list(keys)
    for start in range(0, len(keys), CHUNK):
        for item in queue_items(user, comments_for_keys(keys[start : start + CHUNK])):
            comment = item.comment
            yield [
                comment.pk,
                comment.response_id,
                comment.organisation.ods_code,
                comment.organisation.display_name,
                comment.service.name,
                comment.get_question_type_display(),
                comment.responded_at.isoformat(),
                "; ".join(item.reasons),
                "; ".join(item.themes),
                comment.word_count,
                item.flags.counts.get(FlagKind.INTERESTING, 0),
                item.flags.counts.get(FlagKind.WRONGLY_CODED, 0),
                item.text,
                "Original" if item.is_original else "Redacted",
            ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(user, keys: QuerySet) -> Iterator[str]:
    """The CSV download, line by line; every cell goes through the export writer (formulae neutralised)."""
    writer = exports.CsvWriter(_Echo())
    yield "\ufeff"  # a byte-order mark, so that Excel reads the file as UTF-8
    yield writer.writerow(CSV_HEADER)
    for row in csv_rows(user, keys):
        yield writer.writerow(row)
