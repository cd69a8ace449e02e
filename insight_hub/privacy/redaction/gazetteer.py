"""Names of places and NHS services, so that redaction keeps them: a place is not a person.

Two lists ship in ``insight_hub/privacy/data/``:

- ``nhs_places.txt``, made by this module from public NHS lists: the ICBs and trusts the hub ships
  (``insight_hub/organisations/data/``) and the ICBs, trusts, sites and wards of NHS England's Friends and
  Family Test publication templates (their BS sheets; MIT, © NHS England)::

      .venv/bin/python -m insight_hub.privacy.redaction.gazetteer --fft ../shared/data/fft

- ``uk_places.txt``, written for this project: UK nations, regions, counties, cities and larger towns.

Pure Python at run time (openpyxl is needed only to make the list).
"""

from __future__ import annotations

import argparse
import csv
import functools
import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
NHS_PLACES = DATA / "nhs_places.txt"
UK_PLACES = DATA / "uk_places.txt"
ORGANISATIONS = Path(__file__).resolve().parents[2] / "organisations" / "data"

_CODE_SUFFIX_RE = re.compile(r"\s+-\s+[A-Z0-9]{3,7}\s*$")
# Words that make a name an organisation's or site's; the rest of it is the place ("Rampton" of
# "Rampton Hospital"), kept as a place too when it is more than a generic word.
GENERIC = frozenset(
    """
    nhs foundation trust trusts icb integrated care board university teaching hospital hospitals healthcare
    health and of the partnership community services service mental social group general district royal
    infirmary centre center unit ward wards site sites clinic memorial medical ambulance specialist
    children's childrens women's womens maternity county city north south east west central
    """.split()  # noqa: SIM905 - a word list reads better as words
)

_NAMED_FOR_PEOPLE = frozenset({"ward", "wards", "unit", "suite", "bay", "wing", "house"})


def normalise(phrase: str) -> str:
    return " ".join(phrase.replace("’", "'").lower().split())


def heads(name: str) -> set[str]:
    """The name, and the name without its generic words at either end ("Rampton Hospital" -> "rampton")."""
    words = normalise(name).split()
    found = {" ".join(words)} if words else set()
    if words and words[-1] in _NAMED_FOR_PEOPLE:
        return found  # wards are often named after people: "Curie Ward" keeps Curie a name elsewhere
    while words and words[-1] in GENERIC:
        words.pop()
    while words and words[0] in GENERIC:
        words.pop(0)
    if words:
        found.add(" ".join(words))
    return found


@functools.cache
def place_phrases() -> frozenset[str]:
    """Every shipped place name, normalised (lowercase, single spaces, straight apostrophes).

    A ward or site named with a single given name ("Rowan", "Florence") is left out: alone, that word is
    more often a person's, and "Rowan Ward" is known as a place by its place word anyway. The towns of
    ``uk_places.txt`` stay whole (Chester, Lincoln).
    """
    from .vocabulary import given_names

    phrases = set()
    for line in _lines(NHS_PLACES):
        phrases |= {head for head in heads(line) if " " in head or head not in given_names()}
    for line in _lines(UK_PLACES):
        phrases.add(normalise(line))
    return frozenset(phrase for phrase in phrases if len(phrase) > 2 and not phrase.isdigit())


def _lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def _fft_names(folder: Path) -> set[str]:
    import openpyxl  # only to make the list

    names: set[str] = set()
    for path in sorted(folder.glob("*.xlsm")):
        workbook = openpyxl.load_workbook(path, read_only=True)
        for sheet in (workbook[name] for name in workbook.sheetnames if name.upper().startswith("BS")):
            rows = sheet.iter_rows(values_only=True)
            header = next(rows)
            columns = [i for i, cell in enumerate(header) if isinstance(cell, str) and "name" in cell.lower()]
            for row in rows:
                for i in columns:
                    value = row[i] if i < len(row) else None
                    if isinstance(value, str) and value.strip() not in {"", "-"}:
                        names.add(_CODE_SUFFIX_RE.sub("", value).strip())
        workbook.close()
    return names


def _organisation_names() -> set[str]:
    names: set[str] = set()
    for path in sorted(ORGANISATIONS.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            names |= {row["name"].strip() for row in csv.DictReader(handle) if row.get("name")}
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the NHS place names redaction keeps.")
    parser.add_argument("--fft", type=Path, required=True, help="folder of NHS England's FFT templates")
    args = parser.parse_args()
    names = sorted(_fft_names(args.fft) | _organisation_names(), key=str.lower)
    header = (
        "# ICBs, trusts, sites and wards from NHS England's FFT templates (BS sheets; MIT, (c) NHS England)\n"
        "# and the hub's organisation data. Made by insight_hub.privacy.redaction.gazetteer; do not edit.\n"
    )
    NHS_PLACES.write_text(header + "\n".join(names) + "\n", encoding="utf-8")
    print(f"{len(names)} names written to {NHS_PLACES}")


if __name__ == "__main__":
    main()
