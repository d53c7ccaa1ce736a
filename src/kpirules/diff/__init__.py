"""`kpirules diff OLD NEW`: what a scheme change does before it ships.

The two sides are resolved (`revisions`: a path, or the rulesets at a git revision),
loaded into `Scheme`s, compared part by part (`structure`), and, given data, evaluated
on the same periods so each person's score, grade and payout can be compared (`impact`).
`render` prints the result as text, a Markdown pull-request comment, or JSON.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from kpirules.config import ProjectConfig
from kpirules.diff.impact import Impact, compute_impact
from kpirules.diff.positions import Positions
from kpirules.diff.revisions import Side, resolve_side
from kpirules.diff.structure import Change, Version, structural_changes
from kpirules.errors import KpiError
from kpirules.lang.parser import gc_paused
from kpirules.model.loader import load
from kpirules.model.resolve import resolve

__all__ = ["DiffReport", "diff_schemes"]


@dataclass
class DiffReport:
    old: Side
    new: Side
    changes: list[Change]
    impact: Impact | None
    #: why there is no impact, when there is none
    impact_note: str | None = None

    @property
    def differs(self) -> bool:
        """Anything changed: the scheme's text or anybody's result."""
        return bool(self.changes) or bool(self.impact and self.impact.changed)


def diff_schemes(old_spec: str, new_spec: str, config: ProjectConfig | None, *, impact: bool = True,
                 env: str | None = None, periods: list[str] | None = None,
                 impact_note: str | None = None, bad_rows: str = "stop", rejects: Path | None = None) -> DiffReport:
    """Compare the rulesets OLD and NEW name; with a configuration and `impact`, evaluate both."""
    with tempfile.TemporaryDirectory(prefix="kpirules-diff-") as workspace:
        old_side = resolve_side(old_spec, config, Path(workspace))
        new_side = resolve_side(new_spec, config, Path(workspace))
        old = load_version(old_side, "OLD")
        new = load_version(new_side, "NEW")
        changes = structural_changes(old, new)
        result = None
        if impact and config is not None:
            result = compute_impact(old.scheme, new.scheme, config, env, list(periods or []), (old_side, new_side),
                                    bad_rows, rejects)
        elif impact_note is None:
            impact_note = "not computed (--no-impact)" if not impact else "not computed: no project configuration"
    return DiffReport(old_side, new_side, changes, result, impact_note if result is None else None)


def load_version(side: Side, which: str) -> Version:
    """Parse and resolve one side's files; errors name the side and show revision paths as REV:path."""
    try:
        with gc_paused():
            loaded = load(side.paths)
            loaded.problems.raise_if_any()
            scheme = resolve(loaded.files)
    except KpiError as exc:
        raise side.relocate(exc, which) from None
    return Version(scheme, Positions(loaded.files, scheme), side.position)
