"""Structured identifiers: email addresses, NHS numbers, phone numbers, postcodes and dates."""

from __future__ import annotations

import re
from collections.abc import Iterator

import nhs_number

from .spans import Kind, RedactedSpan, new_span

# --- Structured identifiers -------------------------------------------------

_EMAIL_RE = re.compile(r"(?<![\w.+'-])[\w.%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

# Ten digits, optionally grouped 3-3-4 with one consistent separator; not the
# national part of an international number (+44 770 090 0123).
_NHS_CANDIDATE_RE = re.compile(r"(?<![\d+])(?<!\+44 )\d{3}([ -]?)\d{3}\1\d{4}(?!\d)")

# UK numbers: +44 or the 0 trunk prefix, then 9 or 10 more digits (10 or 11 in
# national form, e.g. 0800 123 456 and 0161 496 0000), grouped by single
# spaces, dashes or a bracketed area code such as (0161) 123 4567.
_PHONE_RE = re.compile(
    r"""
    (?<![\w+])
    (?: \+44[ ]?(?:\(0\)[ ]?)? | \(?0 )
    [1-9]
    (?: (?:[ -]|\)[ ]?)? \d ){8,9}
    (?!\d)
    """,
    re.VERBOSE,
)

# Royal Mail's outward/inward code shapes, so that "B2 3AB" matches but
# arbitrary letter-digit runs do not.
_POSTCODE_RE = re.compile(
    r"""
    (?<![A-Za-z0-9])
    (?P<outward>
        GIR
      | [A-PR-UWYZ] (?: \d{1,2} | [A-HK-Y]\d{1,2} | \d[A-HJKPSTUW] | [A-HK-Y]\d[ABEHMNPRV-Y] )
    )
    [ ]?
    (?P<inward> \d[ABD-HJLNP-UW-Z]{2} )
    (?![A-Za-z0-9])
    """,
    re.VERBOSE | re.IGNORECASE,
)
_ORDINAL_RE = re.compile(r"\d(?:st|nd|rd|th)")


def find_emails(text: str) -> Iterator[RedactedSpan]:
    for match in _EMAIL_RE.finditer(text):
        yield new_span(match.start(), match.end(), Kind.EMAIL)


def find_nhs_numbers(text: str) -> Iterator[RedactedSpan]:
    for match in _NHS_CANDIDATE_RE.finditer(text):
        # English and Welsh NHS numbers never start with 0, but every UK phone
        # number written nationally does: a leading 0 is left to the phone rule
        # even when the checksum happens to pass (about 1 in 11 numbers do).
        if match.group().startswith("0"):
            continue
        if nhs_number.is_valid(match.group()):
            yield new_span(match.start(), match.end(), Kind.NHS_NUMBER)


def find_phone_numbers(text: str) -> Iterator[RedactedSpan]:
    for match in _PHONE_RE.finditer(text):
        yield new_span(match.start(), match.end(), Kind.PHONE)


def find_postcodes(text: str) -> Iterator[RedactedSpan]:
    for match in _POSTCODE_RE.finditer(text):
        inward = match.group("inward")
        # "Room B2 3rd floor" has a postcode's shape; real inward codes that
        # read as ordinals (M1 2ND) are written in capitals, so demand them.
        if _ORDINAL_RE.fullmatch(inward) and not inward.isupper():
            continue
        yield new_span(match.start(), match.end(), Kind.POSTCODE)


# --- Dates --------------------------------------------------------------------

_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?!\d)"
_ORDINAL_DAY = rf"{_DAY}(?:st|nd|rd|th)"
_YEAR = r"(?:19|20)\d{2}(?!\d)"
# "May" only in capitals: "all 3 may be" is not a date. Weekdays likewise,
# because "sat", "wed" and "sun" are ordinary words.
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|(?-i:May)|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b"
)
_WEEKDAY = r"(?-i:(?:Mon|Tue|Tues|Wed|Wednes|Thu|Thur|Thurs|Fri|Sat|Satur|Sun)(?:day)?)\b,?\s+(?:the\s+)?"

_WORDED_DATE_RES = (
    # 3 March 2024, 3rd of March, Tuesday the 3rd of March
    re.compile(
        rf"\b(?:{_WEEKDAY})?{_DAY}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?", re.IGNORECASE
    ),
    # March 3rd 2024, March 3rd, March 3 2024; not "March 20 people" nor "March 2024".
    re.compile(
        rf"\b(?:{_WEEKDAY})?{_MONTH}\s+(?:the\s+)?(?:{_ORDINAL_DAY}(?:,?\s+{_YEAR})?|{_DAY},?\s+{_YEAR})",
        re.IGNORECASE,
    ),
)
# Day first, as written in Britain: 12/03/2024, 12.03.24, 12-03-2024.
_NUMERIC_DATE_RE = re.compile(
    r"(?<![\d/.-])(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})(?![\d/.-]\d|\d)"
)
_ISO_DATE_RE = re.compile(r"(?<![\d/.-])(?P<year>(?:19|20)\d{2})-(?P<month>\d{2})-(?P<day>\d{2})(?!\d)")

# The cue stays visible ("DOB [date of birth]") so the sentence still reads.
_DOB_CUE_RE = re.compile(
    r"(?:\bD\.?O\.?B\b\.?|\bdate\s+of\s+birth|\bbirth\s*date|\bborn(?:\s+on)?(?:\s+the)?|\bbirthday)"
    r"(?:\s+(?:is|was|of))?\s*[:–-]?\s*$",
    re.IGNORECASE,
)
_DOB_CUE_WINDOW = 30
_DIGIT_RE = re.compile(r"\d")


def find_dates(text: str) -> Iterator[RedactedSpan]:
    if not _DIGIT_RE.search(text):
        return  # every date shape has a digit; most short texts have none
    matches = [match for regex in _WORDED_DATE_RES for match in regex.finditer(text)]
    matches += [
        match
        for regex in (_NUMERIC_DATE_RE, _ISO_DATE_RE)
        for match in regex.finditer(text)
        if 1 <= int(match.group("day")) <= 31 and 1 <= int(match.group("month")) <= 12
    ]
    for match in matches:
        preceding = text[max(0, match.start() - _DOB_CUE_WINDOW) : match.start()]
        kind = Kind.DATE_OF_BIRTH if _DOB_CUE_RE.search(preceding) else Kind.DATE
        yield new_span(match.start(), match.end(), kind)
