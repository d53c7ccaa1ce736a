"""What an .xlsx sheet's cells hold besides values, for the xlsx source: Excel errors, and
formulas saved without a value, and where the sheet's used cells start.

fastexcel reads an error cell (`#DIV/0!`) as no value and says where it is (`error_code`
reads its detail). A formula whose result was never computed reads as an empty cell:
programs that write workbooks without calculating them (openpyxl, scripts) leave the
value out, and Excel fills it in when it opens and saves the file. Such cells are found in
the sheet's XML (`formulas_without_value`), read in chunks by a regular expression, so no
cell passes through Python unless it is one.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

#: calamine's names of Excel's error values
_ERRORS = {"Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!", "Ref": "#REF!",
           "Value": "#VALUE!", "GettingData": "#GETTING_DATA"}

# a cell holding a formula and no value: <c r="D4"><f>2+3</f><v/></c> (or no <v> at all); a
# formula giving text (t="str") with an empty value has computed an empty text
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>")
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_TEXT_TYPE = re.compile(rb'\bt="str"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([A-Z]{1,3})([0-9]+)')
_CHUNK = 1 << 20
#: bytes scanned twice, at the end of one chunk and the start of the next: more than a cell
_OVERLAP = 1 << 16


@dataclass(frozen=True)
class Formula:
    """A formula cell saved without its value."""

    row: int  #: the sheet row, from 1
    column: int  #: the sheet column, from 0 (A)
    text: str  #: "=2+3"; empty for a formula shared with the cell that holds its text


def error_code(detail: str) -> str | None:
    """Excel's text for the error fastexcel describes ("Expected string but got 'Error(Div0)'"
    is #DIV/0!), or None when the detail is no error value."""
    found = re.search(r"Error\((\w+)\)", detail)
    return None if found is None else _ERRORS.get(found.group(1), f"#{found.group(1)}")


def cell_name(row: int, column: int) -> str:
    """The cell's name as Excel shows it: row 4, column 3 is D4."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row}"


def origin(path: Path, sheet: str) -> tuple[int, int]:
    """The sheet row (from 1) and column (from 0) of an .xlsx sheet's first used cell, from
    the dimension the sheet records; (1, 0) where it cannot be told (other formats)."""
    part = _open_sheet(path, sheet)
    if part is None:
        return 1, 0
    archive, name = part
    with archive, archive.open(name) as xml:
        found = _DIMENSION.search(xml.read(_OVERLAP))
    return (int(found.group(2)), _column(found.group(1))) if found else (1, 0)


def formulas_without_value(path: Path, sheet: str) -> list[Formula]:
    """Every formula cell of an .xlsx or .xlsm sheet saved without its value ([] for other formats)."""
    part = _open_sheet(path, sheet)
    if part is None:
        return []
    archive, name = part
    found: dict[tuple[int, int], Formula] = {}
    with archive, archive.open(name) as xml:
        tail = b""
        while chunk := xml.read(_CHUNK):
            text = tail + chunk
            if b"<f" in text or b":f" in text:
                for match in _FORMULA_WITHOUT_VALUE.finditer(text):
                    where = _REFERENCE.search(match.group(1))
                    if where is None or _TEXT_TYPE.search(match.group(1)):
                        continue
                    row, column = int(where.group(2)), _column(where.group(1))
                    formula = html.unescape(match.group(2).decode("utf-8", "replace")) if match.group(2) else ""
                    found[row, column] = Formula(row, column, f"={formula}" if formula else "")
            tail = text[-_OVERLAP:]
    return sorted(found.values(), key=lambda f: (f.row, f.column))


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number - 1


def _open_sheet(path: Path, sheet: str) -> tuple[zipfile.ZipFile, str] | None:
    """The workbook, open, and the name of the sheet's part in it; None for other formats, or
    where the workbook does not say (only messages and checks depend on it)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        return None
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rid = next(s.get(k) for s in book.iter() if s.tag.endswith("}sheet") and s.get("name") == sheet
                   for k in s.attrib if k.endswith("}id"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
        name = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        archive.getinfo(name)
        return archive, name
    except (KeyError, StopIteration, ElementTree.ParseError, TypeError):
        archive.close()
        return None
