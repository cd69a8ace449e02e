"""Reads for imports, always through the person's scope."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from feedback.models import ImportBatch, ImportKind
from insight_hub.imports import tabular
from insight_hub.imports.problems import Problem
from insight_hub.organisations.models import Organisation, OrganisationKind, Service
from insight_hub.organisations.permissions import scope_for

from .rows import Lookups, RowParser, normalise_name

PREVIEW_ROWS = 10


def importable_organisations(user) -> QuerySet[Organisation]:
    """Where the person may import responses: their own trust only (px_lead). An upload holds patients'
    original words (its columns and preview show them), which only the trust's own people read; the ICS's
    system administrator sets up services but does not read or import a trust's files."""
    scope = scope_for(user)
    return Organisation.objects.filter(pk__in=scope.px_org_ids).exclude(kind=OrganisationKind.ICB)


def nhse_icbs(user) -> QuerySet[Organisation]:
    """ICBs on whose behalf the person may import NHS England's workbooks (system_admin or icb_lead)."""
    scope = scope_for(user)
    return Organisation.objects.filter(
        kind=OrganisationKind.ICB, ics_id__in=scope.admin_ics_ids | scope.icb_lead_ics_ids
    )


def import_batch_get_for(user, *, uid) -> ImportBatch:
    """An import the person may work with: a trust's file for its own px_leads, NHS England's published
    workbooks for the ICB's leads and administrators. Anyone else: 404, as if there were no such import."""
    try:
        return import_batches_for(user).get(uid=uid)
    except ImportBatch.DoesNotExist:
        raise Http404 from None


def import_batches_for(user) -> QuerySet[ImportBatch]:
    scope = scope_for(user)
    rows = Q(kind=ImportKind.ROWS) & Q(organisation__in=scope.px_org_ids)
    workbooks = Q(
        kind=ImportKind.NHSE_FFT, organisation__ics_id__in=scope.admin_ics_ids | scope.icb_lead_ics_ids
    )
    return ImportBatch.objects.filter(rows | workbooks).select_related("organisation", "uploaded_by")


def lookups_for(organisation: Organisation) -> Lookups:
    services = Service.objects.filter(organisation=organisation).select_related("site")
    by_name, by_site = {}, {}
    for service in services:
        by_name[normalise_name(service.name)] = service.pk
        if service.site:
            by_site[(normalise_name(service.site.name), normalise_name(service.name))] = service.pk
    return Lookups(
        organisation_code=organisation.ods_code,
        organisation_name=organisation.display_name,
        services=by_name,
        site_services=by_site,
        today=timezone.localdate(),
    )


@dataclass
class PreviewRow:
    number: int
    cells: list[str]
    problems: list[Problem]


def import_preview(batch: ImportBatch, *, rows: int = PREVIEW_ROWS) -> tuple[list[str], list[PreviewRow]]:
    """The file's header and its first rows, each checked under the batch's mapping as the import will."""
    with tabular.open_table(Path(batch.file.path)) as table:
        parse = RowParser(
            table.header,
            batch.column_mapping,
            lookups_for(batch.organisation),
            fingerprint=batch.content_sha256,
            values=batch.value_mapping,
            lossy=table.lossy,
        )
        preview = []
        for number, cells in itertools.islice(table.rows, rows):
            parsed = parse(number, cells)
            shown = [] if isinstance(cells, tabular.Unreadable) else cells
            preview.append(PreviewRow(number, shown, parsed if isinstance(parsed, list) else []))
        return table.header, preview


def row_id_column(batch: ImportBatch) -> str:
    """The file's column mapped as the row id (what decides a repeat), or "" when it has none."""
    return next((column for column, name in batch.column_mapping.items() if name == "external_id"), "")


def file_columns(batch: ImportBatch, *, rows: int = 3) -> tuple[list[str], dict[str, list[str]]]:
    """The file's column headings in order (the stored mapping, a JSON object, does not keep it) and a few
    values from each, to help a person recognise it when mapping."""
    samples: dict[str, list[str]] = {}
    with tabular.open_table(Path(batch.file.path)) as table:
        for _, cells in itertools.islice(table.rows, rows):
            if isinstance(cells, tabular.Unreadable):
                continue
            for column, value in zip(table.header, cells, strict=False):
                if value.strip():
                    samples.setdefault(column, []).append(value.strip()[:40])
        return table.header, samples


ANSWER_FIELDS = ("fft_score", "fft_recommend")
VALUE_ROWS = 2000
MAX_DISTINCT_ANSWERS = 40


def answer_column(batch: ImportBatch) -> tuple[str, str]:
    """(the file's FFT answer column, the field it feeds), or ("", "") when the mapping has none."""
    for column, name in batch.column_mapping.items():
        if name in ANSWER_FIELDS:
            return column, name
    return "", ""


def answer_values(batch: ImportBatch) -> list[str]:
    """The distinct answers in the FFT column's first rows, in order of appearance, for the value step."""
    column, _ = answer_column(batch)
    if not column:
        return []
    seen: dict[str, None] = {}
    with tabular.open_table(Path(batch.file.path)) as table:
        if column not in table.header:
            return []
        at = table.header.index(column)
        for _, cells in itertools.islice(table.rows, VALUE_ROWS):
            if isinstance(cells, tabular.Unreadable) or at >= len(cells) or not cells[at].strip():
                continue
            seen[cells[at].strip()] = None
            if len(seen) >= MAX_DISTINCT_ANSWERS:
                break
    return list(seen)
