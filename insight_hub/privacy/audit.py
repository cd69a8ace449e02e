"""The access audit: record who read unredacted text, downloaded an export, or changed consent or tags.

How another app records an event (one call, where the access or change happens):

    from insight_hub.privacy import audit
    from insight_hub.privacy.models import AuditAction

    # In a view, after the permission check and before the response is returned:
    audit.record(request.user, AuditAction.STORY_VIEWED_UNREDACTED, story, page="detail")
    # An export that spans organisations: no object; say what was exported and how many rows.
    audit.record(request.user, AuditAction.EXPORT_DOWNLOADED, export="feedback.csv", organisations=["RX1"])
    # A report: the report object, and its organisation is taken from `report.organisation`.
    audit.record(request.user, AuditAction.REPORT_DOWNLOADED, report, format="pdf")

Rules:
- `user` is the person acting (`request.user`); `None` or an anonymous user records "system" (imports,
  workers, the demo loader).
- `obj` is any model instance; its type ("app_label.model") and primary key are kept, not a foreign key, so
  the record outlives the object. Its organisation is taken from `obj.organisation` when there is one and
  `organisation` is not given.
- `**detail` is for identifiers, counts, flags and choice values: JSON scalars (strings of at most
  `MAX_DETAIL_TEXT` characters) or lists of them. NEVER put personal or free text in it (a narrative, a
  name, a search term a person typed, a comment): the audit is read by system administrators, who may not
  read a story's original text. `record` refuses long strings and nested structures to make that hard to do
  by accident.
- Call it inside the transaction that makes a change (consent, tags), so a change rolled back leaves no
  record and a record is never missing for a change that stood. Reads and downloads are recorded when the
  response is prepared.
- Rows are append-only: the database refuses UPDATE and DELETE on the table.
"""

from __future__ import annotations

from django.db import models

from .models import AuditAction, AuditEvent

__all__ = ["AuditAction", "MAX_DETAIL_TEXT", "record"]

MAX_DETAIL_TEXT = 80
_SCALARS = (bool, int, float, type(None))


def _check_detail_value(key: str, value) -> None:
    if isinstance(value, _SCALARS):
        return
    if isinstance(value, str):
        if len(value) > MAX_DETAIL_TEXT:
            raise ValueError(
                f"audit detail {key!r} is {len(value)} characters long; detail holds identifiers and choice "
                f"values of at most {MAX_DETAIL_TEXT} characters, never free text"
            )
        return
    if isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, list | tuple | dict):
                raise ValueError(f"audit detail {key!r} must be a flat list of scalars")
            _check_detail_value(key, item)
        return
    raise TypeError(
        f"audit detail {key!r} must be a JSON scalar or a list of them, not {type(value).__name__}"
    )


def record(
    user,
    action: str,
    obj: models.Model | None = None,
    organisation=None,
    *,
    object_ref: tuple[str, object] | None = None,
    **detail,
) -> AuditEvent:
    """Append one audit event and return it. See the module docstring for what may go in `detail`.

    `object_ref` ("app_label.model", pk) names the object when the caller holds no instance of it (the core's
    requests about a person, which never import the feature app that owns the row)."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}; add it to AuditAction first")
    for key, value in detail.items():
        _check_detail_value(key, value)
    if organisation is None and obj is not None:
        organisation_id = getattr(obj, "organisation_id", None)
    else:
        organisation_id = organisation if isinstance(organisation, int) else getattr(organisation, "pk", None)
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    elif object_ref is not None:
        object_type, object_id = object_ref[0], str(object_ref[1])
    else:
        object_type = object_id = ""
    return AuditEvent.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        organisation_id=organisation_id,
        detail={key: list(value) if isinstance(value, tuple) else value for key, value in detail.items()},
    )
