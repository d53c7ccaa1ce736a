"""What the two workbooks (`run --format xlsx`, `report --format xlsx`) share: sheet names
Excel accepts, and the data's text written as text.
"""

from __future__ import annotations

from collections.abc import Iterable

#: the longest sheet name Excel accepts
SHEET_NAME_LIMIT = 31
#: what a control character of the data (other than tab and line breaks) is written as
REPLACEMENT = "\ufffd"


def sheet_title(name: str, taken: Iterable[str]) -> str:
    """A sheet name for `name` (a role id): its first 31 characters, or, when another sheet
    already has that name compared without case, those characters cut to leave room for
    `~2`, `~3`, ... (the first number that makes it unique)."""
    used = {title.casefold() for title in taken}
    stem = title = name[:SHEET_NAME_LIMIT]
    n = 1
    while title.casefold() in used:
        n += 1
        suffix = f"~{n}"
        title = stem[:SHEET_NAME_LIMIT - len(suffix)] + suffix
    return title


def row_cells(sheet, values: Iterable) -> list:
    """A row for `sheet.append`: text always a text cell (control characters, which a workbook
    cannot hold, as U+FFFD), "" no cell at all, other values as they are.

    openpyxl stores text that starts with "=" as a formula and "#N/A" or "#REF!" as an
    error value; a name or team from the data must reach the reader as written, never be
    computed by the spreadsheet.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING, Cell

    cells = []
    for value in values:
        if isinstance(value, str):
            if not value:
                value = None
            else:
                # a workbook cannot hold control characters other than tab and line breaks
                value = Cell(sheet, value=ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value))
                value.data_type = TYPE_STRING
        cells.append(value)
    return cells
