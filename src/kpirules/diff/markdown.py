"""A diff as a pull-request comment: a summary table, the structural changes, the top
movers, and everyone's before and after folded away in a <details> block."""

from __future__ import annotations

import re

from kpirules import i18n
from kpirules.diff import DiffReport
from kpirules.diff.impact import Impact, PersonImpact
from kpirules.diff.render import amount, arrow, movers, score, share, signed

#: the most people the folded table lists; beyond it, only those whose result changes
DETAILS_LIMIT = 300


def cell(text: str | None) -> str:
    """Table-cell text: pipes escaped, line breaks flattened."""
    return "" if text is None else text.replace("|", "\\|").replace("\n", " ")


def code(text: str | None) -> str:
    """Inline code on one line that survives backticks inside it."""
    if text is None:
        return ""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text.replace(chr(10), ' ')}{pad}{fence}"


def render_markdown(report: DiffReport, top: int = 20) -> str:
    out = [f"### kpirules diff: {code(report.old.spec)} → {code(report.new.spec)}", ""]
    impact = report.impact
    if impact is not None:
        out += _summary(impact)
    out += _changes(report)
    if impact is None:
        out += ["", f"**Impact**: {report.impact_note}"]
    else:
        out += _movers(impact, top)
        out += _everyone(impact)
    out += ["", f"<sub>old: {code(report.old.description)} · new: {code(report.new.description)}</sub>"]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)) + "\n"


def _summary(impact: Impact) -> list[str]:
    s = impact.summary()
    cur = impact.currency
    rows = [
        "| | before | after | change |",
        "|---|---:|---:|---:|",
        f"| payout cost ({cur}) | {amount(s['cost_old'])} | {amount(s['cost_new'])} | "
        f"**{signed(s['cost_delta'])}**{_in_brackets(share(s['cost_delta'], s['cost_old']))} |",
        f"| people evaluated | {s['evaluated_before']} | {s['evaluated_after']} | "
        f"{signed(s['evaluated_after'] - s['evaluated_before'])} |",
        f"| people paid more | | {s['gain']} | {signed(s['gain_total'])} |",
        f"| people paid less | | {s['lose']} | {signed(s['loss_total'])} |",
        f"| grade changes | | {s['grade_changes']} | |",
    ]
    periods = ", ".join(impact.periods)
    return rows + ["", f"Evaluated on {code(periods)} ({cell(impact.period_reason)}), data env {code(impact.env)}."]


def _in_brackets(text: str) -> str:
    return f" ({text})" if text else ""


def _changes(report: DiffReport) -> list[str]:
    n = len(report.changes)
    if not n:
        return ["", "No structural changes."]
    out = ["", f"#### Structural changes ({n})", ""]
    for c in report.changes:
        subject = c.section if c.name is None else f"{c.section} {code(c.name)}"
        if c.kpi is not None:
            subject += f", KPI {code(c.kpi)}"
        if c.action == "added":
            value, where = f"added {code(c.new)}", c.new_at
        elif c.action == "removed":
            value, where = f"removed {code(c.old)}", c.old_at
        else:
            value = f"{code(c.old)} → {code(c.new)}"
            where = c.old_at if c.old_at == c.new_at else f"{c.old_at} → {c.new_at}"
        what = "" if c.is_item else f", **{c.what}**"
        out.append(f"- {subject}{what}: {value} <sub>{where}</sub>")
    return out


def _table(people: list[PersonImpact], currency: str, several: bool) -> list[str]:
    head = (["period"] if several else []) + ["person", "name", "role", "score", "grade", f"payout ({currency})",
                                              "Δ payout"]
    align = (["---"] if several else []) + ["---", "---", "---", "---:", "---", "---:", "---:"]
    rows = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    for p in people:
        cells = ([p.period] if several else []) + [
            p.person_id, p.name or "", p.role,
            arrow(score(p.score_old), score(p.score_new)), arrow(p.grade_old or "-", p.grade_new or "-"),
            arrow(amount(p.payout_old), amount(p.payout_new)), signed(p.payout_delta),
        ]
        rows.append("| " + " | ".join(cell(c) for c in cells) + " |")
    return rows


def _movers(impact: Impact, top: int) -> list[str]:
    shown = movers(impact, top)
    if not shown:
        return ["", "Nobody's score, grade or payout changes."]
    more = len(impact.changed) - len(shown)
    title = f"#### Top movers ({len(shown)} of {len(impact.changed)} changed)" if more else (
        f"#### Who changes ({len(shown)})")
    return ["", title, "", *_table(shown, impact.currency, len(impact.periods) > 1)]


def _everyone(impact: Impact) -> list[str]:
    """Everyone, folded away; for a large team only those whose result changes (a pull-request
    comment holds about 65,000 characters)."""
    n = len(impact.people)
    people, title = impact.people, f"Everyone evaluated ({i18n.people(n)})"
    if n > DETAILS_LIMIT:
        people = impact.changed[:DETAILS_LIMIT]
        title = f"Everyone whose result changes ({len(people)} of {len(impact.changed)} shown; {n} evaluated)"
    return [
        "", f"<details><summary>{title}</summary>", "",
        *_table(people, impact.currency, len(impact.periods) > 1),
        "", "</details>",
    ]
