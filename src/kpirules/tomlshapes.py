"""What a configuration value should have been, said in TOML's words.

A value of the wrong shape (`[[env.prod]]` where one table `[env.prod]` is expected, text
where a list is expected) is reported as what the key must be and what to write instead;
the value itself is never repeated (it may be a credential), only what kind of value it is.
The project configuration (through pydantic's errors), the lint settings and `lint`'s
own reading of `project.rulesets` all word it so.

Only the standard library and `errors`: `kpirules lint` reads its settings through this.
"""

from __future__ import annotations

import datetime

from kpirules.errors import Diagnostic, Location

#: how each kind of scalar is written, as a help line: (noun in messages, help with {name})
SCALARS = {
    "text": ("text in quotes", 'put it in quotes: {name} = "..."'),
    "path": ("a path in quotes", 'put it in quotes: {name} = "data/file.csv"'),
    "integer": ("a whole number", "write digits without quotes: {name} = 1"),
    "number": ("a number", "write digits without quotes: {name} = 0.5"),
    "boolean": ("true or false", "write {name} = true or {name} = false, without quotes"),
}
#: what `project.rulesets` holds, and an example of it (config.py and `lint` both say so)
RULESETS_ITEMS = ("paths", '["rulesets"]')


def kind(value: object) -> str:
    """What kind of TOML value this is: "text", "a whole number", "a list of tables", ..."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list of tables" if value and all(isinstance(v, dict) for v in value) else "a list"
    if isinstance(value, (datetime.date, datetime.time)):
        return "a date or time"
    return "a value of another kind"


def not_a_table(code: str, key: str, header: str, value: object, written_as_array: bool,
                location: Location | None) -> Diagnostic:
    """`key` (shown as written in messages) must be one table, written `[header]`."""
    if written_as_array:
        return Diagnostic(code, f"{key} must be a table: write [{header}], not [[{header}]]", location,
                          help=f"[[...]] starts a list of tables; {key} is one table")
    return Diagnostic(code, f"{key} must be a table, not {kind(value)}", location,
                      help=f"write [{header}] with its keys on the lines below it")


def not_a_list(code: str, key: str, items: str, example: str, value: object, entry: int | None,
               location: Location | None) -> Diagnostic:
    """`key` must be a list of `items` (`paths`); `entry` (1-based) is the one that is not, if any."""
    name = key.rsplit(".", 1)[-1]
    help = f"write the list in brackets: {name} = {example}"
    if entry is not None:
        return Diagnostic(code, f"{key} must be a list of {items}: entry {entry} is {kind(value)}", location, help=help)
    return Diagnostic(code, f"{key} must be a list of {items}, not {kind(value)}", location, help=help)


def not_a_scalar(code: str, key: str, expected: str | list[str], value: object,
                 location: Location | None) -> Diagnostic:
    """`key` must be a scalar of the kind `expected` names (a key of SCALARS), or of one of
    the kinds it lists (`sheet`: text or a whole number)."""
    kinds = [expected] if isinstance(expected, str) else expected
    noun = " or ".join(SCALARS[each][0] for each in kinds)
    help = SCALARS[kinds[0]][1].format(name=key.rsplit(".", 1)[-1])
    if isinstance(value, str) and "${" in value:
        help = f"${{NAME}} is expanded only in text options; {help}"
    return Diagnostic(code, f"{key} must be {noun}, not {kind(value)}", location, help=help)
