"""Compare a run's manifest with a re-run: scheme files, data, kpirules version, results.

`kpirules verify` re-runs the evaluation the manifest describes and hands both manifests
here. Every difference names what differs (a file, a dataset, a person in a period), the
field, and the value before and after, so that "not reproduced" always says why.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kpirules import i18n
from kpirules.report.manifest import Manifest, PersonRecord, same_number

#: people whose differences the text report shows; JSON lists them all
SHOWN = 20


@dataclass(frozen=True)
class Difference:
    """One thing that is not as the manifest recorded it."""

    kind: str  # scheme_file, dataset, version, run, person
    subject: str  # a path, a dataset id, "P007 2026-12", or "" for the run
    field: str
    before: str | None
    after: str | None


@dataclass
class Verification:
    """What verify checked and what it found."""

    manifest: str
    recorded: Manifest
    #: re-run from this snapshot folder, else from the live sources of env (config)
    snapshot: str | None = None
    env: str | None = None
    config: str | None = None
    differences: list[Difference] = field(default_factory=list)
    #: set when the re-run could not be made (the scheme no longer loads, a source fails)
    rerun_failed: bool = False
    #: the DuckDB version of the re-run, when it is not the run's
    duckdb_now: str | None = None

    @property
    def identical(self) -> bool:
        return not self.differences and not self.rerun_failed

    def of(self, kind: str) -> list[Difference]:
        return [d for d in self.differences if d.kind == kind]


# ---------------------------------------------------------------------- comparing


def scheme_differences(recorded: dict[str, str], loaded: dict[str, str] | None,
                       where: Callable[[str], Path]) -> list[Difference]:
    """Each recorded scheme file against the file now at its place (`where`), and files new in the scheme.

    `loaded` holds the files the re-run loaded (shown paths -> sha256), or None when the
    scheme could not be loaded; a recorded file on disk but not loaded is reported too.
    """
    found, matched = [], set()
    # files are matched by where they are, however each side writes their paths (a re-run
    # from another folder shows them relative to it, or in full)
    by_place = {Path(name).resolve(): now for name, now in (loaded or {}).items()}
    for key, before in recorded.items():
        path = where(key)
        place = path.resolve()
        matched.add(place)
        if loaded is not None and place in by_place:
            now = by_place[place]
        elif path.is_file():
            now = hashlib.sha256(path.read_bytes()).hexdigest()
            if loaded is not None:
                found.append(Difference("scheme_file", key, "loaded", "yes", "no"))
        else:
            found.append(Difference("scheme_file", key, "sha256", before, None))
            continue
        if now != before:
            found.append(Difference("scheme_file", key, "sha256", before, now))
    for name, now in (loaded or {}).items():
        if Path(name).resolve() not in matched:
            found.append(Difference("scheme_file", name, "sha256", None, now))
    return found


def compare(recorded: Manifest, current: Manifest, *, rejected: bool = True) -> list[Difference]:
    """Datasets, kpirules version and results of a re-run against the manifest (scheme files aside).

    `rejected=False` leaves out the count of bad rows skipped: a snapshot keeps only the
    rows the run loaded, so its count is always 0.
    """
    found = []
    for dataset, before in recorded.datasets.items():
        after = current.datasets.get(dataset)
        if after is None:
            found.append(Difference("dataset", dataset, "declared", "yes", "no"))
            continue
        fields = ["fingerprint", "rows"] + (["rejected"] if rejected else [])
        found += [Difference("dataset", dataset, name, str(getattr(before, name)), str(getattr(after, name)))
                  for name in fields if getattr(before, name) != getattr(after, name)]
    found += [Difference("dataset", dataset, "declared", "no", "yes")
              for dataset in current.datasets if dataset not in recorded.datasets]
    if recorded.kpirules_version != current.kpirules_version:
        found.append(Difference("version", "kpirules", "version", recorded.kpirules_version, current.kpirules_version))
    return found + _result_differences(recorded, current)


def _result_differences(recorded: Manifest, current: Manifest) -> list[Difference]:
    found = []
    before, after = recorded.results, current.results
    for name in ("scheme", "currency", "periods", "unmatched_people", "inactive_people"):
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            found.append(Difference("run", "", name, _text(old), _text(new)))
    now = {(r.person, r.period): r for r in after.records}
    seen = set()
    for record in before.records:
        key = (record.person, record.period)
        seen.add(key)
        subject = f"{record.person} {record.period}"
        if key not in now:
            found.append(Difference("person", subject, "evaluated", "yes", "no"))
            continue
        found += _person_differences(subject, record, now[key])
    found += [Difference("person", f"{r.person} {r.period}", "evaluated", "no", "yes")
              for r in after.records if (r.person, r.period) not in seen]
    return found


def _person_differences(subject: str, before: PersonRecord, after: PersonRecord) -> list[Difference]:
    """The fields of a person's record that differ: text as written, numbers by value (a
    manifest written before money kept its rounding step's places says 600 for 600.000)."""
    found = [Difference("person", subject, name, getattr(before, name), getattr(after, name))
             for name in ("role", "grade") if getattr(before, name) != getattr(after, name)]
    found += [Difference("person", subject, name, getattr(before, name), getattr(after, name))
              for name in ("total_score", "payout") if not same_number(getattr(before, name), getattr(after, name))]
    for kpi, old in before.kpis.items():
        new = after.kpis.get(kpi)
        if new is None:
            found.append(Difference("person", subject, kpi, "evaluated", None))
            continue
        if old.status != new.status:
            found.append(Difference("person", subject, f"{kpi}.status", old.status, new.status))
        found += [Difference("person", subject, f"{kpi}.{name}", getattr(old, name), getattr(new, name))
                  for name in ("value", "target", "attainment", "score", "weight")
                  if not same_number(getattr(old, name), getattr(new, name))]
    found += [Difference("person", subject, kpi, None, "evaluated") for kpi in after.kpis if kpi not in before.kpis]
    if not found and before.digest != after.digest:
        found.append(Difference("person", subject, "details", before.digest, after.digest))
    return found


def _text(value) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


# ---------------------------------------------------------------------- reporting


def render_json(verification: Verification) -> str:
    v, recorded = verification, verification.recorded
    against = {"snapshot": v.snapshot} if v.snapshot else {"env": v.env, "config": v.config}
    notes = [] if v.duckdb_now is None else [DUCKDB_NOTE.format(before=recorded.duckdb_version, after=v.duckdb_now)]
    return json.dumps({
        "manifest": verification.manifest,
        "against": against,
        "identical": verification.identical,
        "rerun_failed": verification.rerun_failed,
        "checked": {
            "scheme_files": len(recorded.scheme_files), "datasets": len(recorded.datasets),
            "kpirules_version": recorded.kpirules_version, "periods": recorded.periods,
            "people": recorded.results.people, "results_digest": recorded.results.digest,
        },
        "differences": [asdict(d) for d in verification.differences],
        "notes": notes,
    }, ensure_ascii=False, indent=2)


DUCKDB_NOTE = ("DuckDB {before} made the run, {after} this check; fingerprints use DuckDB's hash(), "
               "so a new DuckDB may change them while the data is the same")


def render_text(verification: Verification, lang: str = "en") -> str:
    v, recorded = verification, verification.recorded
    periods = ", ".join(recorded.periods)
    if v.snapshot:
        against = i18n.ui(lang, "verify.against.snapshot", f"the snapshot in {v.snapshot}", folder=v.snapshot)
    else:
        against = i18n.ui(lang, "verify.against.live", f"the live sources of env {v.env} ({v.config})",
                          env=v.env, config=v.config)
    lines = [i18n.ui(lang, "verify.heading",
                     f"Verifying {v.manifest}: the run of {periods} made {recorded.created} "
                     f"with kpirules {recorded.kpirules_version}, against {against}.",
                     manifest=v.manifest, periods=periods, created=recorded.created,
                     version=recorded.kpirules_version, against=against)]
    files, datasets = v.of("scheme_file"), v.of("dataset")
    # the recorded files that differ or are gone, of those recorded; files new in the scheme apart
    changed = {d.subject for d in files if d.subject in recorded.scheme_files}
    added = {d.subject for d in files} - changed
    summary = _section(lang, "files", len(changed), len(recorded.scheme_files))
    if added:
        summary += i18n.ui(lang, "verify.files.new", f"; {len(added)} new in the scheme", n=len(added))
    lines.append(summary)
    lines += [_line(lang, d) for d in files]
    if v.rerun_failed:
        lines.append(i18n.ui(lang, "verify.failed", "The run could not be made again:"))
        return "\n".join(lines)
    lines.append(_section(lang, "datasets", len({d.subject for d in datasets}), len(recorded.datasets)))
    lines += [_line(lang, d) for d in datasets]
    version = v.of("version")
    if version:
        lines.append(i18n.ui(lang, "verify.version_differs", f"kpirules version: {version[0].before} in the run, "
                             f"{version[0].after} now", before=version[0].before, after=version[0].after))
    else:
        lines.append(i18n.ui(lang, "verify.version_same", f"kpirules version: {recorded.kpirules_version}, the same",
                             version=recorded.kpirules_version))
    people = v.of("person")
    differing = list(dict.fromkeys(d.subject for d in people))
    lines.append(_section(lang, "results", len(differing), recorded.results.people))
    lines += [_line(lang, d) for d in v.of("run")]
    lines += [_line(lang, d) for d in people if d.subject in set(differing[:SHOWN])]
    if len(differing) > SHOWN:
        lines.append(i18n.ui(lang, "verify.more", f"  ... and {len(differing) - SHOWN} more people "
                             "(--format json lists every difference)", n=len(differing) - SHOWN))
    if v.duckdb_now is not None:
        note = DUCKDB_NOTE.format(before=recorded.duckdb_version, after=v.duckdb_now)
        lines.append(i18n.labelled(lang, "note", i18n.ui(lang, "verify.duckdb", note, before=recorded.duckdb_version,
                                                          after=v.duckdb_now)))
    if v.identical:
        lines.append(i18n.ui(lang, "verify.identical",
                             f"Identical: the run is reproduced (results digest {recorded.results.digest[:16]}).",
                             digest=recorded.results.digest[:16]))
    else:
        n = len(v.differences)
        lines.append(i18n.ui(lang, "verify.differs", f"Not reproduced: {i18n.count(n, 'difference')}.", n=n))
    return "\n".join(lines)


_SECTIONS = {  # name: (the same, some differ)
    "files": ("scheme files: {total} checked by sha256, all identical", "scheme files: {n} of {total} differ"),
    "datasets": ("datasets: {total} checked by fingerprint, all identical", "datasets: {n} of {total} differ"),
    "results": ("results: {total} people checked, all identical", "results: {n} of {total} people differ"),
}


def _section(lang: str, name: str, differing: int, total: int) -> str:
    same, differ = _SECTIONS[name]
    if differing:
        return i18n.ui(lang, f"verify.{name}.differ", differ.format(n=differing, total=total), n=differing, total=total)
    return i18n.ui(lang, f"verify.{name}.same", same.format(total=total), total=total)


def _line(lang: str, d: Difference) -> str:
    before, after = d.before or "-", d.after or "-"
    if d.kind == "scheme_file":
        if d.field == "loaded":
            return i18n.ui(lang, "verify.file.unloaded", f"  {d.subject}: no longer part of the scheme", path=d.subject)
        if d.after is None:
            return i18n.ui(lang, "verify.file.missing", f"  {d.subject}: missing (sha256 was {before})",
                           path=d.subject, before=before)
        if d.before is None:
            return i18n.ui(lang, "verify.file.added", f"  {d.subject}: new in the scheme (sha256 {after})",
                           path=d.subject, after=after)
        return i18n.ui(lang, "verify.file.changed", f"  {d.subject}: changed, sha256 {before} -> {after}",
                       path=d.subject, before=before, after=after)
    if d.field == "declared":
        key = "verify.dataset.gone" if d.after == "no" else "verify.dataset.new"
        english = f"  {d.subject}: no longer declared" if d.after == "no" else f"  {d.subject}: a new dataset"
        return i18n.ui(lang, key, english, dataset=d.subject)
    if d.field == "evaluated":
        key = "verify.person.gone" if d.after == "no" else "verify.person.new"
        english = (f"  {d.subject}: in the run, not evaluated now" if d.after == "no"
                   else f"  {d.subject}: evaluated now, not in the run")
        return i18n.ui(lang, key, english, person=d.subject)
    if d.field == "details":
        return i18n.ui(lang, "verify.person.details",
                       f"  {d.subject}: the numbers compared are equal, other details differ (names, proration, "
                       "commissions, adjustments)", person=d.subject)
    subject = f"{d.subject} " if d.subject else ""
    # a dataset's own fields are words (fingerprint, rows); a result's are ids (total_score)
    field = i18n.ui(lang, f"verify.dataset.{d.field}", d.field) if d.kind == "dataset" else d.field
    return i18n.ui(lang, "verify.change", f"  {subject}{field}: {before} -> {after}",
                   subject=subject, field=field, before=before, after=after)
