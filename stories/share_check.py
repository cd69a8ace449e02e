"""The check queue before sharing in bulk: a px lead goes through their trust's unshared stories (an import's,
say), checks each one's redaction beside the original, marks it "fine to share" or "needs fixing", then shares
every story checked fine in one go.

- The queue is `share_queue(user, where=Q(...))`: the stories of the trusts where the person is a px lead, not
  yet shared nor withdrawn, narrowed by any condition (`ShareQueueForm.where()`: source, date logged; an
  import batch is one more condition there).
- A check holds for the redacted text it was made on: a story whose redaction changed since is unchecked
  again, and bulk sharing never shares it on the old check.
- Bulk sharing uses the same rules as one story's "share" (`services.share_refusal`): consent for internal
  learning, not withdrawn, redaction done; only a px lead of the story's own trust; each organisation's share
  is one audit event naming its stories. A story that cannot be shared stands in the queue as "cannot be
  shared yet" with the reason: it is never offered "fine to share" nor counted in what one press will share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from insight_hub.organisations.permissions import scope_for
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction
from insight_hub.privacy.redaction.spans import RedactedSpan, resolve
from insight_hub.themes.models import text_hash

from .models import ShareCheck, ShareCheckDecision, Story, StoryStatus
from .services import share_refusal

QUEUE_STATUSES = (StoryStatus.DRAFT, StoryStatus.SUBMITTED)
LEFT = "left"
BLOCKED = "blocked"  # cannot be shared as it stands (no consent, say), whatever its check says


def redacted_hash(title: str, narrative: str) -> str:
    return text_hash(f"{title}\n{narrative}")


def share_queue(user, *, where: Q | None = None) -> QuerySet[Story]:
    """The stories the person may check and share: unshared ones of the trusts where they are a px lead."""
    own = scope_for(user).px_org_ids
    queue = Story.objects.filter(organisation_id__in=own, status__in=QUEUE_STATUSES)
    return queue.filter(where or Q()).order_by("pk")


@dataclass
class QueueState:
    """Each story's standing in the queue, in queue order, and the counts the page shows."""

    order: list[int] = field(default_factory=list)
    state: dict[int, str] = field(default_factory=dict)  # pk → "ok", "fix", "left" or "blocked"
    reasons: dict[int, str] = field(default_factory=dict)  # pk → why a "blocked" story cannot be shared

    def count(self, state: str) -> int:
        return sum(1 for value in self.state.values() if value == state)

    @property
    def checked(self) -> int:
        return self.count(ShareCheckDecision.OK)

    @property
    def fixing(self) -> int:
        return self.count(ShareCheckDecision.FIX)

    @property
    def left(self) -> int:
        return self.count(LEFT)

    @property
    def blocked(self) -> int:
        return self.count(BLOCKED)

    def neighbours(self, pk: int) -> tuple[int | None, int | None]:
        index = self.order.index(pk)
        previous = self.order[index - 1] if index > 0 else None
        following = self.order[index + 1] if index + 1 < len(self.order) else None
        return previous, following

    def next_left(self, after: int | None = None) -> int | None:
        """The first story still to check after `after` (wrapping round), or None when all are checked."""
        start = self.order.index(after) + 1 if after in self.state else 0
        for pk in self.order[start:] + self.order[:start]:
            if self.state[pk] == LEFT:
                return pk
        return None

    def position(self, pk: int) -> int:
        return self.order.index(pk) + 1


SHARE_RULE_FIELDS = (
    "consent_recorded_at",
    "consent_internal_learning",
    "consent_withdrawn_on",
    "redaction_version",
)


def queue_state(queue: QuerySet[Story]) -> QueueState:
    """One query over the queue: a story that cannot be shared (`services.share_refusal`) is "blocked" with
    its reason; otherwise a check counts only while the redacted text is what was checked."""
    rows = queue.values(
        "pk",
        "redacted_title",
        "redacted_narrative",
        "share_check__decision",
        "share_check__text_hash",
        *SHARE_RULE_FIELDS,
    )
    state = QueueState()
    for row in rows:
        pk = row["pk"]
        state.order.append(pk)
        if reason := share_refusal(Story(pk=pk, **{name: row[name] for name in SHARE_RULE_FIELDS})):
            state.state[pk], state.reasons[pk] = BLOCKED, reason
            continue
        decision, checked_hash = row["share_check__decision"], row["share_check__text_hash"]
        fresh = decision and checked_hash == redacted_hash(row["redacted_title"], row["redacted_narrative"])
        state.state[pk] = decision if fresh else LEFT
    return state


def marked(text: str, spans: list[dict], *, redacted: bool) -> SafeString:
    """The original with each hidden part in <mark>, or the redacted text with each replacement in <mark>."""
    parts, cursor = [], 0
    for span in resolve(RedactedSpan.from_dict(s) for s in spans):
        shown = span.replacement if redacted else text[span.start : span.end]
        parts += [escape(text[cursor : span.start]), "<mark>", escape(shown), "</mark>"]
        cursor = span.end
    parts.append(escape(text[cursor:]))
    return mark_safe("".join(parts))  # noqa: S308 (every piece of text is escaped above)


def _check_px_lead(story: Story, user) -> None:
    if story.organisation_id not in scope_for(user).px_org_ids:
        raise PermissionDenied("Only a px lead of the story's own trust checks and shares it")


@transaction.atomic
def share_check_mark(*, story: Story, user, decision: str) -> ShareCheck:
    """Record the person's check of the story's redaction as it is now; audited."""
    _check_px_lead(story, user)
    decision = ShareCheckDecision(decision)
    if story.status not in QUEUE_STATUSES:
        raise ValidationError(
            {"decision": f"A {story.get_status_display().lower()} story is not checked here."}
        )
    if decision == ShareCheckDecision.OK and (reason := share_refusal(story)):
        raise ValidationError({"decision": f"It cannot be shared yet. {reason}"})
    check, _ = ShareCheck.objects.update_or_create(
        story=story,
        defaults={
            "decision": decision,
            "text_hash": redacted_hash(story.redacted_title, story.redacted_narrative),
            "checked_by": user,
        },
    )
    audit.record(user, AuditAction.STORY_SHARE_CHECKED, story, decision=decision)
    return check


@dataclass
class BulkShareResult:
    shared: list[int] = field(default_factory=list)
    no_consent: list[int] = field(default_factory=list)


@transaction.atomic
def stories_share_checked(*, user, queue: QuerySet[Story]) -> BulkShareResult:
    """Share with the ICS every story of `queue` checked fine on its current redaction, in one go.

    The rules of `story_status_set` for sharing hold for each story (consent for internal learning recorded
    and not withdrawn); a story without it is left in the queue and counted. Stories are locked while they
    are shared, so a check or edit in between cannot slip through on an old check."""
    own = scope_for(user).px_org_ids
    state = queue_state(queue)
    ready = [pk for pk in state.order if state.state[pk] == ShareCheckDecision.OK]
    stories = (
        Story.objects.select_for_update(of=("self",))
        .filter(pk__in=ready, status__in=QUEUE_STATUSES, organisation_id__in=own)
        .select_related("share_check")
        .order_by("pk")
    )
    result = BulkShareResult()
    by_organisation: dict[int, list[int]] = {}
    for story in stories:
        if story.share_check.text_hash != redacted_hash(story.redacted_title, story.redacted_narrative):
            continue  # changed since the count above: back in the queue
        if share_refusal(story):  # consent withdrawn or narrowed since the count above
            result.no_consent.append(story.pk)
            continue
        result.shared.append(story.pk)
        by_organisation.setdefault(story.organisation_id, []).append(story.pk)
    if result.shared:
        Story.objects.filter(pk__in=result.shared).update(
            status=StoryStatus.SHARED, updated_at=timezone.now()
        )
    for organisation_id, ids in by_organisation.items():
        audit.record(
            user,
            AuditAction.STORY_SHARED,
            organisation=organisation_id,
            stories=ids,
            count=len(ids),
            bulk=True,
        )
    return result
