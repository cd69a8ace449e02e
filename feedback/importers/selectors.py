"""Reads for imports, always through the person's scope."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from feedback.models import ImportBatch, ImportKind
from insight_hub.imports import tabular
from insight_hub.imports.problems import Problem
from insight_hub.organisations.models import FFTSetting, Organisation, OrganisationKind, Service
from insight_hub.organisations.permissions import scope_for

from .locations import MAX_TRACKED, LocationCounts, automatic_keys, location_key, unmatched_locations
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
    services = list(Service.objects.filter(organisation=organisation).select_related("site"))
    by_name, by_site, at_site = {}, {}, {}
    for service in services:
        by_name[normalise_name(service.name)] = service.pk
        if service.site:
            by_site[(normalise_name(service.site.name), normalise_name(service.name))] = service.pk
            at_site.setdefault(service.site.ods_code, []).append(service.pk)
    single_service_sites = [(code, ids[0]) for code, ids in at_site.items() if code and len(ids) == 1]
    return Lookups(
        organisation_code=organisation.ods_code,
        organisation_name=organisation.display_name,
        services=by_name,
        site_services=by_site,
        locations=automatic_keys(((s.pk, s.name) for s in services), single_service_sites),
        today=timezone.localdate(),
    )


@dataclass
class PreviewRow:
    number: int
    cells: list[str]
    problems: list[Problem]


def import_preview(batch: ImportBatch, *, rows: int = PREVIEW_ROWS) -> tuple[list[str], list[PreviewRow]]:
    """The file's header and its first rows, each checked under the batch's mapping as the import will."""
    lookups = lookups_for(batch.organisation)
    # A location to be added as a new service when the import is confirmed reads as a service here.
    pending = {location_key(v): 0 for v, c in (batch.location_mapping or {}).items() if "new" in c}
    lookups = dataclasses.replace(lookups, locations=lookups.locations | pending)
    with tabular.open_table(Path(batch.file.path)) as table:
        parse = RowParser(
            table.header,
            batch.column_mapping,
            lookups,
            fingerprint=batch.content_sha256,
            values=batch.value_mapping,
            locations=batch.location_mapping,
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


def location_columns(batch: ImportBatch) -> tuple[str, str]:
    """(the file's service column, its location 2 column or "")."""
    names = {name: column for column, name in batch.column_mapping.items() if name}
    return names.get("location_1", ""), names.get("location_2", "")


def location_counts(batch: ImportBatch) -> LocationCounts:
    """The file's locations that name none of the organisation's services (as the import would read them
    before the person's location choices), with their row counts. The whole file is read (a surgery that
    first appears on row 900,000 is listed too), once per choice of columns: what it holds is cached and
    matched afresh against the services as they are now."""
    first_column, second_column = location_columns(batch)
    if not first_column:
        return unmatched_locations({})
    lookups = lookups_for(batch.organisation)
    # Where location 1 is a site's name, location 2 says which of its services: only then is the pair
    # counted (location 2 is often free text, whose distinct values would fill the count).
    sites = sorted({site for site, _ in lookups.site_services})
    key = hashlib.sha256(repr((str(batch.uid), first_column, second_column, sites)).encode()).hexdigest()
    found = cache.get(f"import-locations:{key}")
    if found is None:
        found = _locations_read(batch, first_column, second_column, set(sites))
        cache.set(f"import-locations:{key}", found, timeout=3600)
    pairs, capped = found
    parser = RowParser([first_column], {first_column: "location_1"}, lookups, fingerprint="")
    counts: dict[str, int] = {}
    matched: dict[int, int] = {}
    for first, second, rows in pairs:
        if not first:
            continue
        found = parser.find_service(first, second)
        if found:
            matched[found[0]] = matched.get(found[0], 0) + rows
        else:
            counts[first] = counts.get(first, 0) + rows
    return unmatched_locations(counts, capped=capped, matched=matched)


def _locations_read(
    batch: ImportBatch, first_column: str, second_column: str, sites: set[str]
) -> tuple[list[tuple[str, str, int]], bool]:
    """([(location 1, location 2 where location 1 is a site, rows)], whether there were more than
    MAX_TRACKED distinct ones)."""
    seen: dict[tuple[str, str], int] = {}
    capped = False
    with tabular.open_table(Path(batch.file.path)) as table:
        if first_column not in table.header:
            return [], False
        at = table.header.index(first_column)
        at_second = table.header.index(second_column) if second_column in table.header else None
        for _, cells in table.rows:
            if isinstance(cells, tabular.Unreadable) or at >= len(cells):
                continue
            first = cells[at].strip()
            second = ""
            if sites and at_second is not None and at_second < len(cells) and normalise_name(first) in sites:
                second = cells[at_second].strip()
            pair = (first, second)
            if pair in seen:
                seen[pair] += 1
            elif len(seen) < MAX_TRACKED:
                seen[pair] = 1
            else:
                capped = True
    return [(first, second, rows) for (first, second), rows in seen.items()], capped


def services_for_mapping(batch: ImportBatch) -> list[tuple[int, str]]:
    """(id, name) of the importing organisation's services, the only ones its locations can map to."""
    return list(Service.objects.filter(organisation=batch.organisation).values_list("pk", "name"))


def usual_setting(organisation: Organisation, file_services: dict[int, int] | None = None) -> str:
    """The first guess for a new service's FFT setting: the setting of most of the file's rows that did
    match one of the organisation's services (a GP practice's file whose other surgeries are GP services),
    else the setting most of the organisation's services have."""
    in_file: Counter[str] = Counter()
    if file_services:
        found = dict(
            Service.objects.filter(organisation=organisation, pk__in=file_services).values_list(
                "pk", "fft_setting"
            )
        )
        for pk, rows in file_services.items():
            if pk in found:
                in_file[found[pk]] += rows
    if in_file:
        return in_file.most_common(1)[0][0]
    settings = Counter(
        Service.objects.filter(organisation=organisation).values_list("fft_setting", flat=True)
    )
    if settings:
        return settings.most_common(1)[0][0]
    return FFTSetting.GP if organisation.kind == OrganisationKind.PRIMARY_CARE else FFTSetting.INPATIENT


@dataclass(frozen=True)
class ServiceRows:
    """Where a file's rows will go, by their location: a service (new or existing) or nowhere."""

    name: str
    rows: int
    new: bool = False
    unmapped: bool = False


def rows_by_service(batch: ImportBatch) -> list[ServiceRows]:
    """The preview's count of the file's rows per service they will be imported into, as the location
    step left them: matched services, services the person chose, new services, and the rows left unmapped.
    Empty when the file has no location column. Rows past a file's tracked locations are not counted."""
    if not location_columns(batch)[0]:
        return []
    counts = location_counts(batch)
    by_id: Counter[int] = Counter(dict(counts.matched_rows))
    new: Counter[str] = Counter()
    unmapped = counts.more_rows
    chosen = batch.location_mapping or {}
    for location in counts.shown:
        choice = chosen.get(location.value) or {}
        if isinstance(choice.get("service"), int):
            by_id[choice["service"]] += location.rows
        elif choice.get("new"):
            new[str(choice["new"])] += location.rows
        else:
            unmapped += location.rows
    names = dict(
        Service.objects.filter(organisation=batch.organisation, pk__in=list(by_id)).values_list("pk", "name")
    )
    out = [ServiceRows(names[pk], rows) for pk, rows in by_id.items() if pk in names]
    unmapped += sum(rows for pk, rows in by_id.items() if pk not in names)  # a service deleted since
    out += [ServiceRows(name, rows, new=True) for name, rows in new.items()]
    out.sort(key=lambda s: (-s.rows, s.name))
    if unmapped:
        out.append(ServiceRows("Locations left unmapped", unmapped, unmapped=True))
    return out
