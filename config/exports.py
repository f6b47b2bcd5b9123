"""Spreadsheet cells that are safe to open: shoppers' text never runs as a formula and
never carries a character that makes the Excel writer refuse the whole file.

Nicknames, receiver names and order notes are typed by shoppers, and operators open our
exports in Excel or WPS. We follow OWASP's CSV-injection advice ourselves rather than
adopt `defusedcsv`: that library only wraps the csv writer (our Excel export needs the
same rule), does not treat tab or CR as a formula start, and does not remove control
characters, which are what make openpyxl raise.
"""

import re
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

# Excel, WPS and LibreOffice read a cell starting with one of these as a formula; a
# leading tab or line break is dropped on import, so what follows it would be read.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

# openpyxl refuses C0 controls other than tab, LF and CR (XML cannot hold them); CR
# goes too, so a cell's line breaks are plain LF. DEL, lone surrogates and the
# non-characters U+FFFE/U+FFFF cannot be written as UTF-8 XML either.
_UNWRITABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

# A plain decimal such as format_yuan's "-12.50" is data, not a formula: it stays as it
# is, so a refund or an adjustment still reads as a negative amount.
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")

_WRITABLE_AS_IS = (bool, int, float, Decimal, datetime, date, time)


def safe_cell(value):
    """The value to write into one CSV or Excel cell.

    Numbers, booleans and dates are written as they are (a moment in time as local
    time: Excel has no time zones); everything else becomes text without control
    characters and, if it would start a formula, with a leading `'`.
    """
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, _WRITABLE_AS_IS) and getattr(value, "tzinfo", None) is None:
        return value
    text = _UNWRITABLE.sub("", str(value))
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
