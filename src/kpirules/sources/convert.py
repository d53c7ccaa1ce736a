"""How a source column becomes a declared column: DuckDB SQL, one expression per column.

Every conversion is a set-based expression that yields NULL where a value does not
convert, so the loader finds the bad rows as "the source had a value, the conversion has
none". The rules, whatever the source type:

* string: any value, as text; an empty text is no value. Blank strings (empty or only
  spaces) count as no value for every other type, and spaces around a value do not count.
* integer: whole numbers only; "12", "12.0", "1e3" and 12.0 convert, "12.5",
  "12.0000000000000001" and 12.5 do not (DuckDB's own cast would round them).
* decimal, money: numbers; more decimals than DECIMAL(18,6) / DECIMAL(18,4) keep are rounded.
* boolean: true/false, t/f, yes/no, y/n, 1/0, 是/否.
* date: dates, ISO strings, or timestamps (converted as for a timestamp column, then truncated).
* timestamp: stored naive, in the scheme's time zone. Values with a UTC offset (TIMESTAMPTZ,
  or strings ending in Z, +08:00, UTC or an IANA zone name such as America/New_York) are
  converted to it; naive values are taken as already in it, unless the source's `timezone`
  option names another zone to convert from. Any other text after the time (an
  abbreviation such as CST, a word) does not convert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kpirules.model.scheme import ColumnSpec

SQL_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18,6)",
    "money": "DECIMAL(18,4)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}

#: what a value of each declared type is, for messages: "'abc' is not a whole number"
TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "decimal": "a number",
    "money": "an amount of money",
    "date": "a date",
    "timestamp": "a timestamp",
    "boolean": "true or false",
}

_PLAIN_FORMAT = "%Y-%m-%d %H:%M:%S"
#: the common export formats of a timestamp: a database's export adds a fraction (.000), which
#: %f reads as the TIMESTAMP cast does, up to 6 digits (the general conversion takes longer ones)
_PLAIN_FORMATS = (_PLAIN_FORMAT, "%Y-%m-%d %H:%M:%S.%f")
# The shapes of a date or timestamp text (DuckDB's casts check the numbers). DuckDB's
# TIMESTAMP cast takes any word after the time and ignores it ("20:00 America/New_York" is
# 20:00, "20:00 garbage" too), so a text is cast as naive only when nothing follows the
# time, and as an instant only when what follows is a zone docs/sources.md names: an offset
# right after the time (Z, +08, +0800, +08:00), UTC or GMT after a space (with an offset or
# not), or an IANA name with its region (America/New_York, Etc/GMT+5). Abbreviations (EST,
# CET, CST) are refused: DuckDB reads CST as US Central Time, a Chinese export means China
# Standard Time, and it gives CET and PST their summer time.
_DATE_SHAPE = r"\d{1,4}[-/]\d{1,2}[-/]\d{1,2}"  # a year of more digits is out of the calendar as written
_TIME_SHAPE = r"[ T]\d{1,2}:\d{1,2}(:\d{1,2}(\.\d*)?)?"
_OFFSET_SHAPE = r"[+-]\d{1,2}(:?\d{2})?"
NAIVE_SHAPE = f"{_DATE_SHAPE}({_TIME_SHAPE})?"
ZONED_SHAPE = (f"{_DATE_SHAPE}{_TIME_SHAPE}"
               f"(Z|{_OFFSET_SHAPE}| (UTC|GMT)({_OFFSET_SHAPE})?| [A-Za-z_]+(/[A-Za-z0-9_+-]+)+)")

_INTEGERS = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}


def quote(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def family(duck_type: str) -> str:
    """The kind of a DuckDB column type: string, integer, float, decimal, boolean, date,
    timestamp, timestamptz or other."""
    t = duck_type.upper()
    if t == "VARCHAR" or t.startswith("VARCHAR"):
        return "string"
    if t in _INTEGERS:
        return "integer"
    if t in ("FLOAT", "DOUBLE", "REAL"):
        return "float"
    if t.startswith("DECIMAL"):
        return "decimal"
    if t == "BOOLEAN":
        return "boolean"
    if t == "DATE":
        return "date"
    if t == "TIMESTAMP WITH TIME ZONE":
        return "timestamptz"
    if re.fullmatch(r"TIMESTAMP(_S|_MS|_NS)?|DATETIME", t):
        return "timestamp"
    return "other"


@dataclass(frozen=True)
class Conversion:
    """SQL for one column: the source value as given, and the declared-type value."""

    #: the source value (text for types DuckDB cannot convert directly)
    given: str
    #: the converted value; NULL where `given` does not convert
    value: str
    #: a condition: the source gave no value (NULL, or for text, blank)
    blank: str
    #: whether `value` can be NULL where a value was given
    can_fail: bool
    #: `value` written to raise instead of giving NULL where a value was given (None: not
    #: known; the loader's fast path guards `value` itself)
    strict: str | None = None
    #: a date's or timestamp's `value` before the calendar's range is checked, for the
    #: loader's fast path, whose own range check judges the staged values (None: `value`)
    unranged: str | None = None


def conversion(column: ColumnSpec, source: str, duck_type: str, *, scheme_tz: str,
               source_tz: str | None, given_alias: str | None = None) -> Conversion:
    """How the source expression `source` of type `duck_type` becomes `column`.

    With `given_alias`, `value` and `blank` are written over that name (a column holding
    `given`), so a query can compute `given` once and convert it in an outer SELECT.
    """
    kind = family(duck_type)
    if kind == "other":
        source, kind = f"CAST({source} AS VARCHAR)", "string"
    g = given_alias or source
    times = _Times(scheme_tz, source_tz)
    if column.type == "string":
        # an empty text is no value, from every source (a CSV's empty field already is). An
        # instant is written as the scheme's local time: cast as it is, DuckDB would write it in
        # the machine's zone, and the text (and the run's fingerprint) would change with it
        shown = times.aware(source) if kind == "timestamptz" else source
        given = source if kind == "string" else f"CAST({shown} AS VARCHAR)"
        return Conversion(given, f"NULLIF({given_alias or given}, '')", f"({g} IS NULL)", can_fail=False)
    # TRY_CAST ignores surrounding blanks and gives NULL for a blank text, so blanks need no
    # trimming on every row: `blank` is only tested on rows whose value did not convert
    blank = f"({g} IS NULL OR trim({g}) = '')" if kind == "string" else f"({g} IS NULL)"
    builders = {
        "integer": _integer,
        "decimal": lambda g, k, t: _number(g, k, SQL_TYPES["decimal"]),
        "money": lambda g, k, t: _number(g, k, SQL_TYPES["money"]),
        "boolean": _boolean,
        "date": _date,
        "timestamp": _timestamp,
    }
    value = builders[column.type](g, kind, times)
    strict = _strict(value, g, kind, SQL_TYPES[column.type])
    unranged = value if column.type in ("date", "timestamp") else None
    if column.type in ("date", "timestamp"):
        # infinity (PostgreSQL's "still employed" date) or a year outside 1000 to 9999 is no
        # calendar day: it does not convert. The fast path's forms (strict, unranged) leave it
        # to the loader's range check (`stage.fast_stage`), which sends such a table down the
        # careful path, whose `value` this is.
        value = f"(CASE WHEN isfinite({value}) THEN (CASE WHEN {in_calendar(value)} THEN {value} END) END)"
        common = _COMMON_TEXT[column.type](g, times) if kind == "string" else None
        if common is not None:
            # the common export format first, and the general conversion (read three times
            # above) only where it fails: a careful pass over a large file with one bad row
            # in it would otherwise convert every value three times
            low, high = _CALENDAR[column.type]
            value = f"(CASE WHEN {common} BETWEEN {low} AND {high} THEN {common} ELSE {value} END)"
    return Conversion(source, value, blank, can_fail=True, strict=strict, unranged=unranged)


#: the options under which a text source's own reader parses dates and timestamps (DuckDB's
#: read_csv `dateformat` and `timestampformat`), for `reader_type`
READER_FORMATS = {"dateformat": "%Y-%m-%d", "timestampformat": _PLAIN_FORMAT}


def reader_type(column: ColumnSpec) -> str | None:
    """The DuckDB type a text source's reader may parse `column`'s text as (with
    READER_FORMATS), or None to read it as text and convert it here.

    Offered only where the reader's parse, whenever it succeeds, gives what `conversion` gives
    for the same text: DuckDB's reader parses as its casts do (TRY_CAST, which `conversion`
    tries first for numbers and booleans), and dates and timestamps in the one format given
    (what `conversion` tries first for them); a year the calendar lacks is left to the
    loader's range check. Whatever else the text holds (`1,234`, `是`, blanks, another
    date format, a zone) makes the reader fail, and the loader then converts the text here.
    A string is its text, the empty text read as no value. Not for integers: the reader
    rounds `12.5` to 13, which `conversion` refuses.
    """
    return {"string": "VARCHAR", "money": SQL_TYPES["money"], "decimal": SQL_TYPES["decimal"],
            "boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP"}.get(column.type)


def read_value(column: ColumnSpec, g: str, *, scheme_tz: str, source_tz: str | None) -> str:
    """`conversion`'s value of a column the reader parsed as `reader_type(column)` (named g)."""
    if column.type == "timestamp":
        # a naive time, in the source's zone (infinity, which the reader takes, stays infinite
        # for the loader's range check to refuse)
        return _Times(scheme_tz, source_tz).naive(g)
    return g  # a date is the day written, whatever the zones


def in_calendar(value: str) -> str:
    """Whether a finite date or timestamp falls in the years a loaded date can have (1000 to
    9999): a year before 1000 is a year written with two or three digits (`26-03-05` is the
    year 26 to DuckDB), not a sales date."""
    return f"year({value}) BETWEEN 1000 AND 9999"


#: the first and last values of the calendar `in_calendar` accepts (infinity falls outside)
_CALENDAR = {
    "date": ("DATE '1000-01-01'", "DATE '9999-12-31'"),
    "timestamp": ("TIMESTAMP '1000-01-01 00:00:00'", "TIMESTAMP '9999-12-31 23:59:59.999999'"),
}


def _strict(value: str, g: str, kind: str, sql_type: str) -> str | None:
    """`value` as an expression that raises where it would be NULL for a given value, when
    that is plainly so: a TRY_CAST of a typed (not text) value is a CAST; an expression of
    CASTs and functions without TRY_, CASE or NULL is NULL only for NULL. Text is left
    out: blanks convert to NULL there."""
    if kind == "string":
        return None
    for typed in (g, f"CAST({g} AS VARCHAR)"):  # a double is cast through its text (_number)
        if value == f"TRY_CAST({typed} AS {sql_type})":
            return f"CAST({typed} AS {sql_type})"
    if not any(word in value.upper() for word in ("TRY_", "CASE", "NULL")):
        return value
    return None


def _null(sql_type: str) -> str:
    return f"CAST(NULL AS {sql_type})"


def _integer(g: str, kind: str, times: _Times) -> str:
    if kind == "integer":
        return f"TRY_CAST({g} AS BIGINT)"
    if kind in ("float", "decimal"):
        return f"(CASE WHEN {g} = trunc({g}) THEN TRY_CAST({g} AS BIGINT) END)"
    if kind == "string":
        # TRY_CAST('12.5' AS BIGINT) rounds to 13: accept only what is whole as written. The
        # common text is the integer as DuckDB writes it back; any other is whole when DuckDB
        # reads it as a number (the DOUBLE cast refuses what only the BIGINT cast takes, such
        # as 0x10) and, with a point or an exponent, when it is whole digit by digit: a DOUBLE
        # (or a DECIMAL) would make 12.0000000000000001 12
        as_int = f"TRY_CAST({g} AS BIGINT)"
        written = _written_number(g)
        fraction = f"(contains({g}, '.') OR contains({g}, 'e') OR contains({g}, 'E'))"
        whole = (f"(CASE WHEN CAST({as_int} AS VARCHAR) = {g} THEN {as_int} "
                 f"WHEN {as_int} = TRY_CAST({g} AS DOUBLE) AND (NOT {fraction} OR {_whole_as_written(g)}) "
                 f"THEN {as_int} END)")
        return _or_else(whole, f"(CASE WHEN {written} = trunc({written}) THEN TRY_CAST({written} AS BIGINT) END)")
    return _null("BIGINT")


def _whole_as_written(g: str) -> str:
    """Whether the number text g (`12.000`, `1.5e3`, `1000e-3`) is a whole number, read digit
    by digit: the digits after the point, once the exponent has moved it, are all zeros. That
    is, the mantissa's digits end in at least as many zeros as the point stands places from
    where the exponent puts it (or they are all zeros)."""
    t = f"trim({g})"
    integer = f"regexp_extract({t}, '^[+-]?(\\d*)', 1)"
    fraction = f"regexp_extract({t}, '\\.(\\d*)', 1)"
    exponent = f"coalesce(TRY_CAST(regexp_extract({t}, '[eE]([+-]?\\d+)$', 1) AS BIGINT), 0)"
    digits = f"({integer} || {fraction})"
    zeros = f"(strlen({digits}) - strlen(rtrim({digits}, '0')))"
    return (f"(regexp_full_match({t}, '[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?') "
            f"AND (rtrim({digits}, '0') = '' OR {zeros} + {exponent} >= strlen({fraction})))")


def _number(g: str, kind: str, sql_type: str) -> str:
    if kind == "string":
        return _or_else(f"TRY_CAST({g} AS {sql_type})", f"TRY_CAST({_written_number(g)} AS {sql_type})")
    if kind == "float":
        # through the shortest text that reads back as the same double (0.00015, not
        # 0.000149999...), so that it rounds half away from zero as the same number written in a
        # CSV does: DuckDB's cast of the double itself made 0.00015 0.0001
        return f"TRY_CAST(CAST({g} AS VARCHAR) AS {sql_type})"
    if kind in ("integer", "decimal"):
        return f"TRY_CAST({g} AS {sql_type})"
    return _null(sql_type)


def _or_else(first: str, then: str) -> str:
    """`first`, else `then` where it is NULL. A CASE (not coalesce, which computes both on
    every row: twice the cost of a CSV's numbers) evaluates `then` only on the rows that
    need it, and DuckDB computes the repeated `first` once."""
    return f"(CASE WHEN {first} IS NULL THEN {then} ELSE {first} END)"


def _written_number(g: str) -> str:
    """A number as exports write it for people, as DECIMAL(38,10) (NULL for anything else):
    thousands separated by commas (`1,234.50`), and 万 or 亿 after it (`56万`, `1.2亿`), as
    in the language. Only tried on a text that does not convert as it is; a comma that is not
    a thousands separator (`1,5`) is not a number. At most 18 digits before the point and 10
    after it (the columns hold fewer): a longer one is not a number rather than an overflow."""
    t = f"trim({g})"
    return (f"(CASE WHEN regexp_full_match({t}, '[+-]?(\\d{{1,3}}(,\\d{{3}}){{1,5}}|\\d{{1,18}})(\\.\\d{{1,10}})?[万亿]?') "
            f"THEN TRY_CAST(regexp_replace({t}, '[,万亿]', '', 'g') AS DECIMAL(38,10)) * "
            f"(CASE WHEN ends_with({t}, '万') THEN 10000 WHEN ends_with({t}, '亿') THEN 100000000 ELSE 1 END) END)")


def _boolean(g: str, kind: str, times: _Times) -> str:
    if kind == "boolean":
        return g
    if kind == "integer":
        return f"(CASE {g} WHEN 1 THEN true WHEN 0 THEN false END)"
    if kind == "string":
        # DuckDB's cast takes true/false, t/f, yes/no, y/n, 1/0 in any case; add the Chinese
        # words; spaces around the word do not count (as around a number)
        return _or_else(f"TRY_CAST({g} AS BOOLEAN)",
                        f"coalesce(CASE trim({g}) WHEN '是' THEN true WHEN '否' THEN false END, "
                        f"TRY_CAST(trim({g}) AS BOOLEAN))")
    return _null("BOOLEAN")


def _date(g: str, kind: str, times: _Times) -> str:
    if kind == "date":
        return g
    if kind in ("timestamp", "timestamptz"):
        return f"CAST({_timestamp(g, kind, times)} AS DATE)"
    if kind == "string":
        # a text of 10 characters or fewer has no room for a time: a date, cast as it is (a
        # date is the day written, whatever the zones). A longer one is a timestamp, or a
        # date with spaces around it (trimmed only where needed). DuckDB's DATE cast would
        # take a longer text too, ignoring whatever follows the date ("2026-03-31T20:00:00
        # garbage"): a timestamp converts as in a timestamp column, or not at all.
        return (
            f"(CASE WHEN strlen({g}) <= 10 THEN TRY_CAST({g} AS DATE) "
            f"WHEN strlen(trim({g})) <= 10 THEN TRY_CAST(trim({g}) AS DATE) "
            f"ELSE CAST({_timestamp(g, kind, times)} AS DATE) END)"
        )
    return _null("DATE")


def _timestamp(g: str, kind: str, times: _Times) -> str:
    if kind == "date":
        # the midnight that starts the day, in the zone the value is read in (as for a text date)
        return times.naive(f"CAST({g} AS TIMESTAMP)")
    if kind == "timestamp":
        return times.naive(f"CAST({g} AS TIMESTAMP)")
    if kind == "timestamptz":
        return times.aware(g)
    if kind == "string":
        # DuckDB's TIMESTAMP cast would drop an offset or zone silently: a text is cast only
        # when its shape says what it is (NAIVE_SHAPE, ZONED_SHAPE); anything else is no timestamp
        def general(text: str) -> str:
            return (
                f"WHEN regexp_full_match({text}, {literal(NAIVE_SHAPE)}) "
                f"THEN {times.naive(f'TRY_CAST({text} AS TIMESTAMP)')} "
                f"WHEN regexp_full_match({text}, {literal(ZONED_SHAPE)}) "
                f"THEN {times.aware(f'TRY_CAST({text} AS TIMESTAMPTZ)')}"
            )

        # the common export formats have no room for an offset and parse fastest with strptime;
        # spaces around a timestamp do not count (DuckDB refuses a date followed by a space),
        # trimmed only where the text fails as it is. One CASE, not a coalesce: DuckDB would
        # compute the trim, used four times, on every row. (A text the shapes match as it is
        # has no spaces around it: where its cast fails, the trimmed text's would too.)
        plain = _plain_timestamp(g, times)
        return f"(CASE WHEN {plain} IS NOT NULL THEN {plain} {general(g)} {general(f'trim({g})')} END)"
    return _null("TIMESTAMP")


def _plain_timestamp(g: str, times: _Times) -> str:
    """A text in a common export format (2026-03-31 20:00:00, 2026-03-31 20:00:00.000), as the
    scheme's naive time."""
    # strptime costs ten times more where it fails than where it parses: it is not tried on an
    # ISO text with a T, which neither format parses, and the format with a fraction only on a
    # text with a point, which the one without it does not parse (so this is strptime of the
    # two formats, in order)
    plain, fraction = (literal(f) for f in _PLAIN_FORMATS)
    return times.naive(
        f"(CASE WHEN contains({g}, 'T') THEN NULL WHEN contains({g}, '.') THEN try_strptime({g}, {fraction}) "
        f"ELSE try_strptime({g}, {plain}) END)")


#: the common text of a date or timestamp column, converted as `conversion`'s general
#: expression converts it (None: not known); the caller checks the calendar's range
_COMMON_TEXT = {
    "date": lambda g, times: f"(CASE WHEN strlen({g}) <= 10 THEN TRY_CAST({g} AS DATE) END)",
    "timestamp": _plain_timestamp,
}


@dataclass(frozen=True)
class _Times:
    scheme_tz: str
    source_tz: str | None

    def naive(self, ts: str) -> str:
        """A naive timestamp from the source, as naive local time in the scheme's zone."""
        if self.source_tz and self.source_tz != self.scheme_tz:
            return f"timezone({literal(self.scheme_tz)}, timezone({literal(self.source_tz)}, {ts}))"
        return ts

    def aware(self, tstz: str) -> str:
        """An instant (TIMESTAMPTZ) as naive local time in the scheme's zone."""
        return f"timezone({literal(self.scheme_tz)}, {tstz})"
