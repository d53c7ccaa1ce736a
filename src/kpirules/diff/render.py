"""A diff as JSON (all the data, decimals as strings) or as text for the terminal."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from kpirules import __version__, i18n
from kpirules.diff import DiffReport
from kpirules.diff.impact import Impact, PersonImpact
from kpirules.diff.revisions import Side
from kpirules.diff.structure import Change
from kpirules.engine.numbers import fmt_decimal, for_eye, half_up, unsigned_zero
from kpirules.report import jsontext

FORMATS = ("text", "markdown", "json")


def render(report: DiffReport, fmt: str, top: int = 20) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        from kpirules.diff.markdown import render_markdown

        return render_markdown(report, top)
    return render_text(report, top)


# ---------------------------------------------------------------------- numbers


def exact(x: Decimal | None) -> str | None:
    """A score as data: exact, without trailing zeros (107.416)."""
    return None if x is None else fmt_decimal(x)


def money(x: Decimal | None) -> str | None:
    """An amount as data, with its rounding step's places (3648.60, 527677.5, 0.00)."""
    return None if x is None else format(unsigned_zero(x), "f")


def score(x: Decimal | None) -> str:
    return "-" if x is None else fmt_decimal(for_eye(x, 2))


def amount(x: Decimal | None) -> str:
    """An amount for the eye: thousands separated, with its rounding step's places."""
    return "-" if x is None else format(unsigned_zero(x), ",f")


def signed(x: Decimal | None) -> str:
    if x is None:
        return "-"
    return "0" if x == 0 else format(x, "+,f")


def share(delta: Decimal, base: Decimal) -> str:
    if base == 0 or delta == 0:
        return ""
    return f"{half_up(delta * 100 / base, 2):+}%"


def movers(impact: Impact, top: int) -> list[PersonImpact]:
    """People whose result changed, the largest payout change first (0 = no limit)."""
    def largest_first(p: PersonImpact) -> tuple:
        return (-abs(p.payout_delta), -abs(p.score_delta or 0), p.period, p.person_id)

    ordered = sorted(impact.changed, key=largest_first)
    return ordered if top <= 0 else ordered[:top]


def arrow(old: str, new: str) -> str:
    return old if old == new else f"{old} → {new}"


# ---------------------------------------------------------------------- JSON


def _side(side: Side) -> dict[str, Any]:
    return {"spec": side.spec, "commit": side.commit, "paths": [side.show(str(p)) for p in side.paths]}


def person_dict(p: PersonImpact) -> dict[str, Any]:
    return {
        "period": p.period, "person_id": p.person_id, "name": p.name, "status": p.status,
        "role_old": p.role_old, "role_new": p.role_new,
        "score_old": exact(p.score_old), "score_new": exact(p.score_new), "score_delta": exact(p.score_delta),
        "grade_old": p.grade_old, "grade_new": p.grade_new,
        "payout_old": money(p.payout_old), "payout_new": money(p.payout_new),
        # neither side pays (a role without payout rules): no change to write with a step's places
        "payout_delta": None if p.payout_old is None and p.payout_new is None else money(p.payout_delta),
        "periods_old": p.periods_old, "periods_new": p.periods_new,
    }


def impact_dict(impact: Impact) -> dict[str, Any]:
    # the summary's decimals are all amounts: costs, gains and losses
    summary = {k: money(v) if isinstance(v, Decimal) else v for k, v in impact.summary().items()}
    return {
        "periods": impact.periods, "period_reason": impact.period_reason, "env": impact.env,
        "currency": impact.currency, "summary": summary,
        "people": [person_dict(p) for p in impact.people],
    }


def report_dict(report: DiffReport) -> dict[str, Any]:
    return {
        "kpirules_version": __version__,
        "old": _side(report.old), "new": _side(report.new),
        "changes": [
            {"action": c.action, "section": c.section, "name": c.name, "kpi": c.kpi, "what": c.what,
             "old": c.old, "new": c.new, "old_at": c.old_at, "new_at": c.new_at}
            for c in report.changes
        ],
        "impact": impact_dict(report.impact) if report.impact else None,
        "impact_note": report.impact_note,
    }


def render_json(report: DiffReport) -> str:
    return jsontext.indented(report_dict(report))


# ---------------------------------------------------------------------- text


def _print_change(say, c: Change) -> None:
    """One change: inline when short, else the old and new text on lines of their own."""
    head = f"  {c.action:<8} {c.subject}" + ("" if c.is_item else f": {c.what}")
    if c.action == "added":
        say(f"{head}: + {c.new}")
        where = c.new_at
    elif c.action == "removed":
        say(f"{head}: - {c.old}")
        where = c.old_at
    else:
        if len(c.old) + len(c.new) <= 60:
            say(f"{head}: {c.old} → {c.new}")
        else:
            say(f"{head}:")
            say(f"           - {c.old}")
            say(f"           + {c.new}")
        where = c.old_at if c.old_at == c.new_at else f"{c.old_at} → {c.new_at}"
    say(f"           at {where}")


def render_text(report: DiffReport, top: int = 20, width: int = 120) -> str:
    from rich.console import Console

    console = Console(record=True, width=width, file=io.StringIO(), force_terminal=False, highlight=False)

    def say(text: str = "") -> None:
        console.print(text, markup=False, soft_wrap=True)

    say(f"kpirules diff {report.old.spec} → {report.new.spec}")
    say(f"  old: {report.old.description}")
    say(f"  new: {report.new.description}")
    say()
    n = len(report.changes)
    say(f"{i18n.count(n, 'structural change')}:" if n else "No structural changes.")
    for c in report.changes:
        _print_change(say, c)
    say()
    if report.impact is None:
        say(f"Impact: {report.impact_note}")
    else:
        _print_impact(console, say, report.impact, top)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def _print_impact(console, say, impact: Impact, top: int) -> None:
    from rich import box
    from rich.table import Table

    s = impact.summary()
    counted = f"{s['people']} people" if len(impact.periods) == 1 else f"{s['people']} person-periods"
    say(f"Impact on {', '.join(impact.periods)} ({impact.period_reason}), data env {impact.env}: {counted}")
    change = ", ".join(x for x in (signed(s["cost_delta"]), share(s["cost_delta"], s["cost_old"])) if x)
    say(f"  payout cost: {amount(s['cost_old'])} → {amount(s['cost_new'])} {impact.currency} ({change})")
    say(f"  {s['gain']} gain ({signed(s['gain_total'])} in total), {s['lose']} lose ({signed(s['loss_total'])}), "
        f"{s['unchanged_payout']} keep their payout; grade changes: {s['grade_changes']}, "
        f"score changes: {s['score_changes']}")
    if s["only_before"] or s["only_after"]:
        say(f"  evaluated only before: {s['only_before']}; only after: {s['only_after']}")
    shown = movers(impact, top)
    if not shown:
        say("  Nobody's score, grade or payout changes.")
        return
    several = len(impact.periods) > 1
    table = Table(box=box.SIMPLE_HEAD)
    for name in (["period"] if several else []) + ["person", "name", "role", "score", "grade"]:
        table.add_column(name, justify="right" if name == "score" else "left")
    table.add_column(f"payout {impact.currency}", justify="right")
    table.add_column("Δ payout", justify="right")
    for p in shown:
        table.add_row(*([p.period] if several else []), p.person_id, p.name or "", p.role,
                      arrow(score(p.score_old), score(p.score_new)), arrow(p.grade_old or "-", p.grade_new or "-"),
                      arrow(amount(p.payout_old), amount(p.payout_new)), signed(p.payout_delta))
    console.print(table)
    rest = len(impact.changed) - len(shown)
    if rest > 0:
        say(f"  … and {rest} more (--top 0 shows everyone; --format json has every number)")
