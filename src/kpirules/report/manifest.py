"""The run manifest: what a run read, how it was asked for, and what it computed, sealed.

`kpirules run --manifest FILE` writes it, `--format json` embeds it, and `kpirules verify`
reads it back to re-run the evaluation and compare (kpirules.report.verify). It records
the run's arguments, the sha256 of every scheme file, each dataset's fingerprint (an
order-free digest of the loaded table, kpirules.sources.load), the kpirules version, and
the results: a digest of the full canonical results plus, per person and period, the
numbers people argue about (total score, grade, payout, each KPI's value, target,
attainment, score and weight) and a digest of everything else computed for them.

The seal is the sha256 of the manifest's canonical JSON (sorted keys, no spaces) without
the seal itself. It catches a manifest edited by hand; it is not a signature, since
anyone can compute it again (docs/reproducible.md says how to keep manifests safe).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from kpirules import __version__
from kpirules.engine.numbers import WIDE, fmt_decimal
from kpirules.engine.results import PersonResult, RunResult
from kpirules.errors import ConfigError, DataError, Diagnostic
from kpirules.io import note_input
from kpirules.lang.ast import Span
from kpirules.report.run_output import money_text

#: the layout of the manifest; a reader refuses a format it does not know
MANIFEST_FORMAT = 1


# ---------------------------------------------------------------------- building


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _from_here(name: str) -> str:
    """A file's path relative to the folder the run is made in, outside it too (`../rulesets/
    s.kpi`), as the configuration's is: verify, run in a copy of the project, reads the copy's."""
    try:
        return os.path.relpath(os.path.abspath(name), os.getcwd())
    except ValueError:  # on another drive (Windows): in full
        return os.path.abspath(name)


def inputs(files: Iterable[str], datasets: Iterable, periods: list[str], period_reason: str) -> dict[str, Any]:
    """What a run read: the manifest's first part, also what `kpirules.cli.run.manifest` gave before results."""
    return {
        "kpirules_version": __version__,
        "periods": periods,
        "period_reason": period_reason,
        "scheme_files": {_from_here(name): file_sha256(name) for name in files},
        "datasets": {
            load.dataset: {"source": load.source, "description": load.description, "rows": load.rows,
                           "fingerprint": load.fingerprint, "rejected": load.rejected}
            for load in datasets
        },
    }


def build(read: dict[str, Any], arguments: dict[str, Any], result: RunResult) -> dict[str, Any]:
    """The sealed manifest of a run: `read` (from `inputs`), the arguments and the results."""
    import duckdb

    manifest = {
        "manifest_format": MANIFEST_FORMAT,
        **read,
        "duckdb_version": duckdb.__version__,  # the fingerprints use DuckDB's hash()
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "directory": str(Path.cwd()),
        "arguments": arguments,
        "results": results_record(result),
    }
    return seal(manifest)


def results_record(result: RunResult) -> dict[str, Any]:
    people = sorted(result.people, key=lambda p: (p.period, p.person_id))
    digests = [digest(canonical(p)) for p in people]
    run = {"scheme": result.scheme, "currency": result.currency, "periods": list(result.periods),
           "unmatched_people": sorted(result.unmatched_people), "inactive_people": result.inactive_people}
    return {
        **run,
        "people": len(people),
        # each person is serialised once: the whole is the digest of the run and the people's digests
        "digest": digest({**run, "people": digests}),
        "records": [person_record(p, d) for p, d in zip(people, digests, strict=True)],
    }


def person_record(person: PersonResult, full_digest: str) -> dict[str, Any]:
    """The numbers of one person's result that verify compares field by field, and a digest of the rest."""
    return {
        "period": person.period,
        "person": person.person_id,
        "role": person.role,
        "total_score": number(person.total_score),
        "grade": person.grade,
        "payout": money_text(person.payout.total) if person.payout else None,
        "kpis": {
            k.id: {"status": k.status, "value": number(k.value), "target": number(k.target),
                   "attainment": number(k.attainment), "score": number(k.score), "weight": number(k.weight)}
            for k in person.kpis
        },
        "digest": full_digest[:32],
    }


def number(x: Decimal | None) -> str | None:
    """A decimal as the JSON output writes it: plain, no trailing zeros (1.07, 3000)."""
    return fmt_decimal(x)


#: the fields of each result dataclass that a manifest holds (public ones), by type
_FIELDS: dict[type, tuple[str, ...]] = {}


def canonical(x: Any) -> Any:
    """Everything a result holds as plain JSON data, without positions in the .kpi files.

    Positions are left out: the scheme files' sha256 cover them, and a snapshot's copies
    of the files live at other paths. The trace's words (rows matched, payout steps) are
    left out too: they depend on the output format, not on the scheme and data. Decimals
    are written by value (100 and 100.00 alike), so only a change of value counts.
    """
    kind = type(x)
    if x is None or kind is str or kind is bool or kind is int:
        return x
    if kind is Decimal:
        return str(x.normalize(WIDE))
    if kind is dict:
        return {str(k): canonical(v) for k, v in x.items()}
    if kind is list or kind is tuple:
        return [canonical(v) for v in x]
    if isinstance(x, (dt.date, dt.datetime)):
        return x.isoformat()
    names = _FIELDS.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(x):
            raise TypeError(f"cannot put {kind.__name__} in a manifest")  # pragma: no cover
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(x) if not f.name.startswith("_"))
    out = {}
    for name in names:
        value = getattr(x, name)
        if type(value) is not Span:
            out[name] = canonical(value)
    return out


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no spaces, every character beyond ASCII escaped: one text for one value."""
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("ascii")


def digest(data: Any) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


def seal(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest with its seal: the sha256 of its canonical JSON without the seal."""
    body = {k: v for k, v in manifest.items() if k != "seal"}
    return {**body, "seal": digest(body)}


def render(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------- reading


class _Record(BaseModel):
    # the types must be exactly what kpirules writes: "60" for a row count is an edit
    model_config = ConfigDict(strict=True, extra="ignore")


class Arguments(_Record):
    rulesets: list[str] | None
    period: str | None
    env: str
    config: str
    roles: list[str]
    persons: list[str]
    bad_rows: Literal["stop", "skip"]


class DatasetRecord(_Record):
    source: str
    description: str
    rows: int
    fingerprint: str
    rejected: int


class KpiRecord(_Record):
    status: str
    value: str | None
    target: str | None
    attainment: str | None
    score: str | None
    weight: str | None


class PersonRecord(_Record):
    period: str
    person: str
    role: str
    total_score: str | None
    grade: str | None
    payout: str | None
    kpis: dict[str, KpiRecord]
    digest: str


class ResultsRecord(_Record):
    scheme: str
    currency: str
    periods: list[str]
    unmatched_people: list[str]
    inactive_people: int
    people: int
    digest: str
    records: list[PersonRecord]


class Manifest(_Record):
    """A manifest as read back: every key `build` writes, with its type."""

    manifest_format: int
    kpirules_version: str
    duckdb_version: str
    created: str
    directory: str
    arguments: Arguments
    periods: list[str]
    period_reason: str
    scheme_files: dict[str, str]
    datasets: dict[str, DatasetRecord]
    results: ResultsRecord
    seal: str


def read(path: str | Path) -> Manifest:
    """Read a manifest (or the JSON output of `run`, which embeds one), check its structure and seal.

    Raises ConfigError when the file cannot be read or needs another kpirules, DataError
    when it is not a manifest or was changed after kpirules wrote it.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
        note_input(path)  # the record of a run: no output may replace it (verify -o, E006)
    except OSError as exc:
        raise ConfigError(Diagnostic("E840", f"cannot read the manifest {path}: {exc.strerror or exc}",
                                     help="name the file `kpirules run --manifest FILE` wrote")) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(Diagnostic("E840", f"the manifest {path} is not UTF-8 text ({exc.reason})",
                                     help="name the file `kpirules run --manifest FILE` wrote")) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(Diagnostic(
            "E841", f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            help="a manifest is written by `kpirules run --manifest FILE`; write a new one if this one is damaged",
        )) from None
    if isinstance(data, dict) and "projection" in data and isinstance(data.get("manifest"), dict) \
            and "as_of" in data["manifest"]:
        as_of = data["manifest"]["as_of"]
        raise DataError(Diagnostic(
            "E841", f"{path} is the output of a pacing run (--as-of {as_of}), not a run "
            "manifest: a projection is not a run to verify",
            help="when the period is over, record the run with `kpirules run --period P --manifest FILE` and verify that",
        ))
    shown = None  # the results the JSON output of `run` shows beside its manifest
    if isinstance(data, dict) and "seal" not in data and isinstance(data.get("manifest"), dict):
        shown = data.get("people")
        data = data["manifest"]  # the JSON output of `kpirules run --format json`
    if not isinstance(data, dict):
        raise DataError(Diagnostic("E841", f"{path} is not a kpirules manifest: it holds no JSON object",
                                   help="name the file `kpirules run --manifest FILE` wrote"))
    found = data.get("manifest_format")
    if isinstance(found, int) and found > MANIFEST_FORMAT:
        writer = data.get("kpirules_version", "unknown")
        raise ConfigError(Diagnostic(
            "E843", f"{path} is a manifest of format {found}; "
            f"this kpirules ({__version__}) reads format {MANIFEST_FORMAT}",
            help=f"verify it with the kpirules version that wrote it ({writer}) or newer",
        ))
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise DataError([_structure_problem(path, error) for error in exc.errors()[:20]]) from None
    if manifest.seal != digest({k: v for k, v in data.items() if k != "seal"}):
        raise DataError(Diagnostic(
            "E842", f"{path} was changed after kpirules wrote it: its seal does not match its content",
            help="a manifest must not be edited by hand: restore the original (from git or your archive), "
            "or write a new one with `kpirules run --manifest FILE`",
        ))
    if shown is not None:
        _check_shown(path, shown, manifest.results.records)
    return manifest


def _check_shown(path: Path, people: Any, records: list[PersonRecord]) -> None:
    """E842 when the results a run's JSON output shows differ from those its manifest holds:
    the seal covers the manifest, and people read the results beside it."""
    by_key = {(r.period, r.person): r for r in records}
    found = []
    for person in people if isinstance(people, list) else [None]:
        if not isinstance(person, dict):
            found.append("an entry of people is not a person's result")
            continue
        key = (person.get("period"), person.get("person_id"))
        record = by_key.pop(key, None)
        if record is None:
            found.append(f"person {key[1]} in {key[0]} is not in the manifest")
            continue
        payout = person.get("payout")
        pairs = [("total_score", person.get("total_score"), record.total_score),
                 ("payout", payout.get("total") if isinstance(payout, dict) else payout, record.payout)]
        kpis = {k.get("id"): k for k in person.get("kpis") or [] if isinstance(k, dict)}
        for kpi_id, kr in record.kpis.items():
            k = kpis.get(kpi_id, {})
            pairs += [(f"{kpi_id}.{name}", k.get(name), getattr(kr, name))
                      for name in ("value", "target", "attainment", "score", "weight")]
        differ = [name for name, a, b in pairs if not same_number(a, b)]
        texts = [("role", person.get("role"), record.role), ("grade", person.get("grade"), record.grade)]
        texts += [(f"{kpi_id}.status", kpis.get(kpi_id, {}).get("status"), kr.status)
                  for kpi_id, kr in record.kpis.items()]
        differ += [name for name, a, b in texts if a != b]
        if differ:
            found.append(f"{key[1]} in {key[0]}: {', '.join(differ)}")
    found += [f"person {person} in {period} is missing" for period, person in by_key]
    if found:
        raise DataError(Diagnostic(
            "E842", f"{path} was changed after kpirules wrote it: the results it shows differ from its "
            f"manifest's ({'; '.join(found[:5])}{'; ...' if len(found) > 5 else ''})",
            help="the results of a run must not be edited by hand: restore the original (from git or your "
            "archive), or run again",
        ))


def same_number(a: Any, b: str | None) -> bool:
    """Whether two numbers as written are the same value ("600" and "600.000"), or both none."""
    if a is None or b is None:
        return a is None and b is None
    try:
        return Decimal(str(a)) == Decimal(b)
    except ArithmeticError:
        return str(a) == b


#: pydantic's error types, as the JSON value a manifest key should hold
_SHOULD_BE = {
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "string_type": "text", "bool_type": "true or false", "float_type": "a number", "list_type": "a list",
    "dict_type": "an object", "model_type": "an object", "model_attributes_type": "an object",
}


#: the kinds of value `json.loads` makes, in words
_JSON_KINDS = {type(None): "null", bool: "true or false", int: "a whole number", float: "a number", str: "text",
               list: "a list", dict: "an object"}


def _json_kind(value: Any) -> str:
    return _JSON_KINDS.get(type(value), "another value")


def _structure_problem(path: Path, error: dict) -> Diagnostic:
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]).lstrip(".")
    if error["type"] == "missing":
        message = f"{path}: key {key} is missing"
    elif error["type"] in _SHOULD_BE:
        message = f"{path}: key {key} should be {_SHOULD_BE[error['type']]}, not {_json_kind(error.get('input'))}"
    else:
        message = f"{path}: key {key}: {error['msg']}"
    return Diagnostic("E841", message,
                      help="a manifest is written by `kpirules run --manifest FILE`; do not edit it, write a new one")
