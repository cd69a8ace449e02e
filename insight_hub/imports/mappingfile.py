"""The saved, reusable mapping of an import, as a JSON file a person downloads and uploads again, and the
import commands accept (`manage.py import_stories --mapping FILE`, and `import_responses`).

One format for both kinds of import:

    {"kind": "stories" | "responses", "version": 1,
     "columns": {"<file heading>": "<hub field>", ...},
     "values": {"<hub field>": {"<value in the file>": "<hub value>", ...}, ...},
     "defaults": {"<setting>": "<value>", ...},
     "locations": {"<location in the file>": "<service name>" | "", ...}}

`columns` says which hub field each column feeds ("" for a column left out); `values` translates a field's
own words (e.g. "Extremely likely", "Service user", "-4"); `defaults` holds what the file lacks, set once per
import (a teller role, a month, a source channel, the criticality scale...); `locations` (response imports
only, optional) keeps the location step's choices: the service each location that names none was mapped to,
or "" for one left unmapped. This module only checks the shape; each importer checks the field names and
values against its own fields, naming the key that is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from insight_hub import limits

VERSION = 1
KINDS = ("stories", "responses")
MAX_MAPPING_BYTES = 1024 * 1024


class MappingFileError(ValueError):
    """The mapping file cannot be used; the message names the key that is wrong."""


@dataclass
class MappingFile:
    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    locations: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = {
            "kind": self.kind,
            "version": VERSION,
            "columns": self.columns,
            "values": self.values,
            "defaults": self.defaults,
        }
        if self.locations:
            data["locations"] = self.locations
        return data

    def dumps(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _strings(data, key: str) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MappingFileError(f"“{key}” must be an object of names to values.")
    for name, value in data.items():
        if value is None:
            data[name] = ""
        elif isinstance(value, bool) or not isinstance(value, str | int):
            raise MappingFileError(f"“{key}.{name}” must be text, not {type(value).__name__}.")
    return {str(name): str(value) for name, value in data.items()}


def mapping_file_parse(content: bytes | str, *, kind: str | None = None) -> MappingFile:
    """Read a mapping file; `kind` is the kind of import it is meant for (checked when given)."""
    if isinstance(content, bytes):
        if len(content) > MAX_MAPPING_BYTES:
            raise MappingFileError("The mapping file is too large (a mapping is a few kilobytes).")
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MappingFileError("The mapping file must be UTF-8 text (JSON).") from None
    try:
        data = limits.json_loads(content)
    except json.JSONDecodeError as exc:
        raise MappingFileError(
            f"The mapping file is not valid JSON (line {exc.lineno}: {exc.msg})."
        ) from None
    except limits.LimitExceeded as exc:
        raise MappingFileError(str(exc)) from None
    if not isinstance(data, dict):
        raise MappingFileError("The mapping file must be a JSON object with kind, version and columns.")
    unknown = sorted(set(data) - {"kind", "version", "columns", "values", "defaults", "locations"})
    if unknown:
        raise MappingFileError(f"“{unknown[0]}” is not a key of a mapping file (kind, version, columns…).")
    if data.get("kind") not in KINDS:
        raise MappingFileError(f"“kind” must be “stories” or “responses”, not {data.get('kind')!r}.")
    if kind and data["kind"] != kind:
        raise MappingFileError(f"“kind” is “{data['kind']}”: this mapping is for {data['kind']}, not {kind}.")
    if data.get("version") != VERSION:
        raise MappingFileError(f"“version” must be {VERSION}, not {data.get('version')!r}.")
    if not isinstance(data.get("columns"), dict) or not data["columns"]:
        raise MappingFileError("“columns” must be an object of file headings to hub fields.")
    values = data.get("values") or {}
    if not isinstance(values, dict):
        raise MappingFileError("“values” must be an object of hub fields to {value in the file: hub value}.")
    locations = _strings(data.get("locations"), "locations")
    if locations and data["kind"] != "responses":
        raise MappingFileError("“locations” belongs to a mapping of responses, not of stories.")
    return MappingFile(
        kind=data["kind"],
        columns=_strings(data["columns"], "columns"),
        values={str(name): _strings(words, f"values.{name}") for name, words in values.items()},
        defaults=_strings(data.get("defaults"), "defaults"),
        locations=locations,
    )
