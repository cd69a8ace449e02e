"""Requests about a person, for feedback: find a respondent's survey responses, copy them, erase or anonymise.

Registered with `insight_hub.privacy.subjects` (see there for the steps, the audit and the keys). A response
is one record with its answers and free-text comments. Most responses carry no name: a respondent is found by
the response's reference (R123, or the id the survey vendor's file gave it), or by a contact detail or name
they wrote in a comment (the original text is searched; what is listed is the redacted text).
"""

from __future__ import annotations

import re

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from insight_hub.organisations.models import Organisation
from insight_hub.privacy.redaction import VERSION as REDACTION_VERSION
from insight_hub.privacy.subjects import Changed, Record, Search, iso
from insight_hub.themes.models import TagAudit, TaggingClaim

from .models import Comment, Response
from .services import comments_redact

LABEL = "feedback.response"
COMMENT_LABEL = "feedback.comment"
_REFERENCE = re.compile(r"^[Rr]?(\d{1,18})$")
_STORY_REFERENCE = re.compile(r"^[Ss]\d{1,18}$")
EQUALITY_FIELDS = ("ethnic_category", "age_band", "sex", "disability")


def _responses(ics_ids) -> QuerySet[Response]:
    return Response.objects.filter(organisation__ics_id__in=ics_ids)


def _comments(ics_ids) -> QuerySet[Comment]:
    return Comment.objects.filter(organisation__ics_id__in=ics_ids)


def _matching(ics_ids, search: Search) -> QuerySet[Response]:
    responses = _responses(ics_ids)
    if search.by == "reference":
        if _STORY_REFERENCE.match(search.value):
            return responses.none()
        # An imported response keeps the id its file gave it, "<ODS>:import:id:<id>": asked for exactly, once
        # per organisation of the ICS, so the unique index on the key answers (a suffix match would read every
        # response). R456 (or 456) is the hub's own number.
        codes = Organisation.objects.filter(ics_id__in=ics_ids).values_list("ods_code", flat=True)
        by_id = Q(dedupe_key__in=[f"{code}:import:id:{search.value}" for code in codes])
        if match := _REFERENCE.match(search.value):
            by_id |= Q(pk=int(match.group(1)))
        return responses.filter(by_id)
    comments = _comments(ics_ids)
    if search.by == "email":
        comments = comments.filter(text__icontains=search.value)
    elif search.by == "phone":
        comments = comments.filter(text__iregex=search.phone_regex())
    else:
        comments = comments.filter(text__icontains=search.longest_word)
        ids = [
            c.response_id for c in comments.only("response_id", "text")[:2000] if search.name_matches(c.text)
        ]
        return responses.filter(pk__in=ids)
    return responses.filter(pk__in=comments.values("response_id"))


def _records(responses: QuerySet[Response]) -> list[Record]:
    rows = list(
        responses.select_related("organisation", "service", "import_batch")
        .annotate(n_comments=Count("comments", distinct=True), n_answers=Count("answers", distinct=True))
        .order_by("-responded_at", "-pk")[:1000]
    )
    comments: dict[int, list[Comment]] = {}
    for comment in _comments_of([r.pk for r in rows]):
        comments.setdefault(comment.response_id, []).append(comment)
    decisions = dict(
        TagAudit.objects.filter(
            item_label=COMMENT_LABEL,
            item_id__in=[c.pk for cs in comments.values() for c in cs],
        )
        .values_list("item_id")
        .annotate(n=Count("pk"))
    )
    out = []
    for response in rows:
        mine = comments.get(response.pk, [])
        held = []
        if response.fft_score:
            held.append(f"FFT answer: {response.get_fft_score_display()}")
        if response.n_answers:
            held.append(f"{response.n_answers} other answer{'s' if response.n_answers != 1 else ''}")
        held.append(f"{response.n_comments} comment{'s' if response.n_comments != 1 else ''}")
        corrections = sum(decisions.get(c.pk, 0) for c in mine)
        if corrections:
            held.append(f"{corrections} tag correction{'s' if corrections != 1 else ''}")
        if any(getattr(response, name) for name in EQUALITY_FIELDS):
            held.append("equality monitoring answers")
        if response.import_batch_id and response.import_batch:
            held.append(f"a row of the imported file {response.import_batch.original_name}")
        summary = next((c.redacted_text for c in mine if c.redacted_text), "")
        if not summary and mine:
            summary = "(comment not yet redacted)"
        out.append(
            Record(
                provider="response",
                pk=response.pk,
                label=LABEL,
                kind="Survey response",
                reference=f"R{response.pk}",
                organisation_id=response.organisation_id,
                organisation_name=f"{response.organisation.display_name}, {response.service.name}",
                when=response.responded_at,
                status=response.get_source_display(),
                summary=summary[:300],
                held=held,
            )
        )
    return out


def _comments_of(response_ids: list[int]) -> QuerySet[Comment]:
    return Comment.objects.filter(response_id__in=response_ids).order_by("pk")


def _export_one(response: Response) -> dict:
    comments = list(
        response.comments.select_related("question").prefetch_related("tags__theme").order_by("pk")
    )
    corrections = TagAudit.objects.filter(
        item_label=COMMENT_LABEL, item_id__in=[c.pk for c in comments]
    ).select_related("theme")
    version = response.survey_version
    batch = response.import_batch
    return {
        "id": response.pk,
        "type": "response",
        "reference": f"R{response.pk}",
        "organisation": {
            "ods_code": response.organisation.ods_code,
            "name": response.organisation.display_name,
        },
        "service": response.service.name,
        "survey": f"{version.survey.name} (version {version.number})" if version else "",
        "how_it_came": response.get_source_display(),
        "answered_at": iso(response.responded_at),
        "fft_answer": response.get_fft_score_display() if response.fft_score else "",
        "where": response.location_detail,
        "equality_monitoring": {
            "ethnic_category": response.get_ethnic_category_display() if response.ethnic_category else "",
            "age_band": response.get_age_band_display() if response.age_band else "",
            "sex": response.get_sex_display() if response.sex else "",
            "disability": response.get_disability_display() if response.disability else "",
        },
        "answers": [
            {"question": answer.question.text, "answer": answer.value}
            for answer in response.answers.select_related("question").order_by("question__order")
        ],
        "comments": [
            {
                "question": comment.question.text
                if comment.question
                else comment.get_question_type_display(),
                "comment": comment.text,
                "comment_as_others_read_it": comment.redacted_text,
                "sentiment": comment.sentiment,
                "themes": [
                    {
                        "theme": tag.theme.name,
                        "decision": tag.get_decision_display(),
                        "sentiment": tag.sentiment,
                    }
                    for tag in comment.tags.all()
                ],
            }
            for comment in comments
        ],
        "tag_corrections": [
            {"theme": row.theme.name, "what": row.action, "at": iso(row.at)} for row in corrections
        ],
        "imported_from": (
            {"file": batch.original_name, "uploaded_at": iso(batch.uploaded_at)}
            if batch is not None
            else None
        ),
        "id_at_source": response.dedupe_key.partition(":import:id:")[2],
    }


class FeedbackProvider:
    name = "response"

    def find(self, *, ics_ids, search: Search) -> list[Record]:
        return _records(_matching(ics_ids, search))

    def records(self, *, ics_ids, ids: list[int]) -> list[Record]:
        return _records(_responses(ics_ids).filter(pk__in=ids))

    def export(self, *, ics_ids, ids: list[int]) -> list[dict]:
        responses = _responses(ics_ids).filter(pk__in=ids)
        responses = responses.select_related(
            "organisation", "service", "survey_version__survey", "import_batch"
        )
        return [_export_one(response) for response in responses]

    def _changed(self, responses: QuerySet[Response], *, erased: bool) -> Changed:
        rows = list(responses.values_list("pk", "organisation_id", "responded_at"))
        return Changed(
            erased=erased,
            slices={(org, timezone.localtime(at).date()) for _, org, at in rows},
            response_ids={pk for pk, _, _ in rows},
        )

    def erase(self, *, ics_ids, ids: list[int]) -> Changed:
        responses = _responses(ics_ids).filter(pk__in=ids)
        changed = self._changed(responses, erased=True)
        comment_ids = list(
            Comment.objects.filter(response_id__in=changed.response_ids).values_list("pk", flat=True)
        )
        TagAudit.objects.filter(item_label=COMMENT_LABEL, item_id__in=comment_ids).delete()
        TaggingClaim.objects.filter(item_label=COMMENT_LABEL, item_id__in=comment_ids).delete()
        batches = set(
            responses.exclude(import_batch=None).values_list("import_batch__original_name", flat=True)
        )
        # Answers, comments and their tags cascade.
        Response.objects.filter(pk__in=changed.response_ids).delete()
        changed.notes.extend(_file_notes(batches))
        return changed

    def anonymise(self, *, ics_ids, ids: list[int]) -> Changed:
        responses = _responses(ics_ids).filter(pk__in=ids)
        changed = self._changed(responses, erased=False)
        batches = set(
            responses.exclude(import_batch=None).values_list("import_batch__original_name", flat=True)
        )
        comments = list(Comment.objects.filter(response_id__in=changed.response_ids))
        # A comment not yet tagged has no redacted text yet: make it now, as the tagging worker would.
        comments_redact(comments)
        for comment in comments:
            Comment.objects.filter(pk=comment.pk).update(
                text=comment.redacted_text,
                redacted_text=comment.redacted_text,
                redaction_version=REDACTION_VERSION,
            )
        # The response's key stays: it is what stops a re-import of the same file bringing the row back.
        Response.objects.filter(pk__in=changed.response_ids).update(
            location_detail="", **dict.fromkeys(EQUALITY_FIELDS, "")
        )
        changed.notes.extend(_file_notes(batches))
        return changed


def _file_notes(batches: set[str]) -> list[str]:
    return [
        f"The imported file {name} still holds the original row: delete it under your records policy."
        for name in sorted(batches)
    ]


provider = FeedbackProvider()
