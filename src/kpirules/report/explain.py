"""`kpirules explain`: one person's whole calculation in words and numbers.

Every step points at the .kpi line it came from, so a salesperson can check their pay
with the statement and a calculator. With lang="zh" the statement's words are Chinese;
names, labels, values and the expressions as written stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import NamedTuple

from kpirules import i18n
from kpirules.engine.numbers import CONTEXT, fmt_decimal
from kpirules.engine.evaluate import Evaluator, Person
from kpirules.engine.periods import Calendar
from kpirules.engine.results import KpiResult, PersonResult, RowPlace, RunResult
from kpirules.engine.scoring import attainment_rule, curve_part, grade_band, pct
from kpirules.lang.ast import Span
from kpirules.model.bands import describe
from kpirules.model.scheme import Kpi, Role, Scheme
from kpirules.model.types import refs_in
from kpirules.report.source import where, written


#: A person attribute's value by name (`person.<name>`), as of a day: `get("tenure_months")`.
Attributes = Callable[[str], object]


class Context:
    """What an explanation reads besides a person's result: the role, for the curve row and
    the grade row that applied, and the roster, for the attributes a `when` target tests.

    `kpirules explain` and the report's statements read the same, so they say the same.
    """

    def __init__(self, roles: Mapping[str, Role], people: Mapping[str, Person], calendar: Calendar | None):
        self._roles, self._people, self._calendar = roles, people, calendar
        self._reports: dict[str, list[str]] | None = None  # manager id -> direct reports, made when asked

    @classmethod
    def read(cls, scheme: Scheme, con) -> Context:
        """The scheme's roles, and the roster as the run read it (read once for everyone)."""
        people = {person.id: person for person in Evaluator(scheme, con).people()}
        return cls(scheme.roles, people, Calendar(scheme.header))

    def role(self, p: PersonResult) -> Role | None:
        return self._roles.get(p.role)

    def kpi(self, p: PersonResult, k: KpiResult) -> Kpi | None:
        """The KPI as the person's role writes it."""
        role = self.role(p)
        return role.kpi(k.id) if role is not None else None

    def attributes(self, p: PersonResult) -> Attributes | None:
        """The person's attributes as of the last day of the result's period."""
        person = self._people.get(p.person_id)
        if person is None or self._calendar is None:
            return None
        return person.attributes(self._calendar.parse(p.period).last_day)

    def name(self, person_id: str) -> str | None:
        person = self._people.get(person_id)
        return person.name if person is not None else None

    def not_evaluated(self, person_id: str, period: str) -> str:
        """Why a person has no result for a period of the run: `not active: hired on 2026-06-15,
        after the period`, or `matches no role as of 2026-04-30` (semantics.md §1, who is evaluated)."""
        person = self._people.get(person_id)
        if person is None or self._calendar is None:
            return "not in the roster"
        if not self.active(person_id, period):
            return f"not active: {self.outside(person_id, period)}"
        return f"matches no role as of {self._calendar.parse(period).last_day.isoformat()}"

    def active(self, person_id: str, period: str) -> bool:
        """Whether a person of the roster was active on a day of the period (False: not in it)."""
        person = self._people.get(person_id)
        return person is not None and self._calendar is not None and \
            person.active_days(self._calendar.parse(period)) > 0

    def team_size(self, person_id: str) -> int | None:
        """How many people report to the person, directly or not, following the roster's
        manager column (the team a `team` scope reads); None without a roster."""
        if not self._people:
            return None
        if self._reports is None:
            self._reports = {}
            for person in self._people.values():
                if person.manager is not None:
                    self._reports.setdefault(str(person.manager), []).append(person.id)
        seen, todo = {person_id}, list(self._reports.get(person_id, []))
        while todo:
            member = todo.pop()
            if member not in seen:
                seen.add(member)
                todo.extend(self._reports.get(member, []))
        return len(seen) - 1

    def joined_or_left(self, p: PersonResult, lang: str = "en") -> list[str]:
        """The hire and leave dates inside the period that count a person's active days."""
        person = self._people.get(p.person_id)
        if person is None or self._calendar is None:
            return []
        span = self._calendar.parse(p.period)
        out = []
        if person.hired is not None and span.start < person.hired <= span.last_day:
            day = person.hired.isoformat()
            out.append(i18n.ui(lang, "explain.hired_on", f"hired on {day}", date=day))
        if person.left is not None and span.start <= person.left < span.last_day:
            day = person.left.isoformat()
            out.append(i18n.ui(lang, "explain.left_on", f"left on {day}", date=day))
        return out

    def outside(self, person_id: str, *periods: str) -> str | None:
        """Why a person of the roster is active in none of the periods: `hired on 2026-06-15,
        after the period` or `left on 2026-02-28, before the periods` (None: active in one of
        them, or unknown)."""
        person = self._people.get(person_id)
        if person is None or self._calendar is None or not periods:
            return None
        spans = [self._calendar.parse(period) for period in periods]
        first, last = min(s.start for s in spans), max(s.last_day for s in spans)
        which = "the period" if len(spans) == 1 else "the periods"
        if person.hired is not None and person.hired > last:
            return f"hired on {person.hired.isoformat()}, after {which}"
        if person.left is not None and person.left < first:
            return f"left on {person.left.isoformat()}, before {which}"
        return None


#: Knows no scheme and no roster: steps without the places of curve rows and grade rows, and
#: targets without the attributes their `when` tests.
UNKNOWN = Context({}, {}, None)


class Line(NamedTuple):
    """One step of the explanation in words, and the .kpi place it came from (None: written nowhere)."""

    text: str
    span: Span | None = None

    def printed(self) -> str:
        """As `kpirules explain` prints it: the words, then `  [path:line]`."""
        return self.text + _at(self.span)


def period_line(result: RunResult, lang: str = "en") -> str:
    """'period 2026-03: the latest month that ended ...': which period was evaluated, and why."""
    periods = ", ".join(result.periods)
    return i18n.ui(lang, "explain.period", f"period {periods}: {result.period_reason}",
                   periods=periods, reason=i18n.phrase(result.period_reason, "explain", lang))


def _value(k: KpiResult, x, lang: str = "en", unit: str | None = None) -> str:
    """A value or target as explain writes it; a plain number with the KPI's `unit` after it."""
    if x is None:
        return i18n.ui(lang, "explain.no_value", "no value")
    if k.value_type == "percent":
        return pct(x)
    if k.value_type.startswith("money:"):
        return f"{fmt_decimal(x)} {k.value_type.split(':')[1]}"
    if k.value_type == "duration":
        return i18n.ui(lang, "explain.days", f"{fmt_decimal(x)} days", n=fmt_decimal(x))
    return f"{fmt_decimal(x)} {unit}" if unit else fmt_decimal(x)


def _head(k: KpiResult, lang: str) -> str:
    english = f"KPI {k.id}" + (f" “{k.label}”" if k.label else "") + f" ({k.kind or ''} {k.rank}, {where(k.span)})"
    kind = i18n.ui(lang, f"explain.{k.kind}", "") if k.kind in ("process", "outcome") else ""
    return i18n.ui(lang, "explain.kpi", english, id=k.id, label=f" “{k.label}”" if k.label else "", kind=kind,
                   rank=i18n.ui(lang, f"explain.{k.rank}", k.rank), where=where(k.span))


def _aggregate_line(a, lang: str, team: int | None = None) -> str:
    what = f"{a.function}({written(a.argument) or a.dataset})"
    no_value = i18n.ui(lang, "explain.no_value", "no value")
    result = fmt_decimal(a.value) if a.value is not None else no_value
    start, end = a.window_start.isoformat(), a.window_end.isoformat()
    if lang == "en":
        line = f"  {what} over {a.dataset}"
        if a.where is not None:
            line += f" where {written(a.where)}"
        scope = "" if a.scope == "self" else f", {a.scope.replace('_', ' ')} scope"
        if scope and team is not None:  # the team's size, which the rows matched come from
            scope += f" ({team} {'person' if team == 1 else 'people'} reporting)"
        matched = "" if a.rows_matched is None else f" {a.rows_matched} row{'' if a.rows_matched == 1 else 's'} matched,"
        return line + f", by {a.date_column} from {start} to before {end}{scope}:{matched} result {result}"
    line = i18n.ui(lang, "explain.aggregate", "", what=what, dataset=a.dataset)
    if a.where is not None:
        line += i18n.ui(lang, "explain.where", "", condition=written(a.where))
    line += i18n.ui(lang, "explain.window", "", column=a.date_column, start=start, end=end)
    if a.scope != "self":
        line += i18n.ui(lang, f"explain.scope.{a.scope}", "")
        if team is not None:
            line += i18n.ui(lang, "explain.team_size", "", n=team)
    matched = "" if a.rows_matched is None else i18n.ui(lang, "explain.matched", "", n=a.rows_matched)
    return line + i18n.ui(lang, "explain.result", "", matched=matched, value=result)


def prorated_from(k: KpiResult, shown: Callable[[Decimal], str], lang: str = "en") -> str:
    """How a prorated target was worked out, with the days of the KPI's own period (a quarter's
    76 of 90 days for a quarterly KPI, not the run month's): `; prorated from 2 × 76/90 days
    of 2026Q1 = 1.688889 (rounded to 6 places)`."""
    days = k.target_proration
    before, target = shown(k.target_before_proration), shown(k.target)
    text = i18n.ui(lang, "explain.prorated",
                   f"; prorated from {before} × {days.active_days}/{days.period_days} days of {k.period} = {target}",
                   before=before, active=days.active_days, days=days.period_days, period=k.period, value=target)
    exact = CONTEXT.divide(CONTEXT.multiply(k.target_before_proration, Decimal(days.active_days)),
                           Decimal(days.period_days))
    if exact != k.target:
        text += i18n.ui(lang, "explain.rounded6", " (rounded to 6 places)")
    return text


def _at(span: Span | None) -> str:
    """A step's pointer at its .kpi line, after two spaces ("" when nothing is written for it)."""
    return f"  [{where(span)}]" if span is not None else ""


def when_tested(kpi: Kpi, attributes: Attributes) -> list[tuple[str, object]]:
    """The person attributes the KPI's `when` targets test, each with this person's value (None:
    no value), in the order written: `[("tenure_months", Decimal(2))]`."""
    names: list[str] = []
    for rule in kpi.targets:
        for name in _person_refs(rule.when):
            if name not in names:
                names.append(name)
    return [(name, attributes(name)) for name in names]


def _person_refs(expr) -> list[str]:
    """The attributes an expression reads as `person.<name>`, in the order written."""
    names = []
    for ref in refs_in(expr) if expr is not None else []:
        parts = [part.name for part in ref.parts]
        if parts[0] == "person" and len(parts) == 2:
            names.append(parts[1])
    return names


def pay_attributes(role: Role | None) -> frozenset[str]:
    """The person attributes a role's payout reads: the target incentive's (`target_incentive
    person.bonus`), and any a factor row, a gate or a commission row is written with. A report
    without payouts hides their values, since they can be a person's pay."""
    payout = role.payout if role is not None else None
    if payout is None:
        return frozenset()
    exprs = [payout.target_incentive, *(gate.condition for gate in payout.gates)]
    for tier in [*payout.factor_tiers, *(row for c in payout.commissions for row in c.tiers)]:
        exprs += [tier.value, tier.linear_from, tier.linear_to]
    return frozenset(name for expr in exprs for name in _person_refs(expr))


def _when_tested(kpi: Kpi, attributes: Attributes, lang: str, hidden: frozenset[str]) -> str:
    """The attributes `when_tested` finds, so the branch taken (or the plain target, when none
    holds) can be checked: `; person.tenure_months 2`. An attribute without a value says `no
    value`, as a gate's condition does; one in `hidden` says `(hidden)`."""
    tested = when_tested(kpi, attributes)
    if not tested:
        return ""
    no_value = i18n.ui(lang, "explain.no_value", "no value")
    concealed = i18n.ui(lang, "explain.hidden", "(hidden)")
    shown = ", ".join(f"person.{name} {concealed if name in hidden else _attribute(value, no_value)}"
                      for name, value in tested)
    return i18n.ui(lang, "explain.when_values", f"; {shown}", values=shown)


def _attribute(value, empty: str) -> str:
    """A person attribute as the `.kpi` language writes it: 2, "director", 2026-03-01."""
    if value is None:
        return empty
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return fmt_decimal(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return f'"{value}"' if isinstance(value, str) else str(value)


class KpiSteps(NamedTuple):
    """One KPI's explanation in its parts, each a list of lines as `kpirules explain` prints
    them; `kpirules test` shows the part behind a failed expectation."""

    head: list[str]
    #: the aggregates with the rows they matched, then the value
    value: list[str]
    target: list[str]
    #: none when there is no attainment
    attainment: list[str]
    score: list[str]
    #: the weight and points, or why there are none (in progress, auxiliary)
    weight: list[str]


def kpi_steps(k: KpiResult, lang: str = "en", kpi: Kpi | None = None,
              attributes: Attributes | None = None, hidden: frozenset[str] = frozenset(),
              team: int | None = None) -> list[str]:
    """One KPI's part of the explanation: its data, value, target, attainment, score and weight.

    With the KPI as the role writes it, the score step points at the `score` line or the tier
    or lookup row used, and the weight step at the `weight` line the weight came from (the
    parent role's, when inherited); with the person's `attributes`, the target says the values
    its `when` branches test (but not those of the attributes in `hidden`)."""
    return [line for part in kpi_step_parts(k, lang, kpi, attributes, hidden, team) for line in part]


def kpi_step_parts(k: KpiResult, lang: str = "en", kpi: Kpi | None = None,
                   attributes: Attributes | None = None, hidden: frozenset[str] = frozenset(),
                   team: int | None = None) -> KpiSteps:
    """The lines of `kpi_steps`, in their parts; `team`, the size of the person's team."""
    value_lines = [_aggregate_line(a, lang, team) for a in k.aggregates]
    unit = kpi.unit if kpi is not None else None
    value = _value(k, k.value, lang, unit)
    arithmetic = k.worked(i18n.ui(lang, "explain.no_value", "no value"))
    if arithmetic is not None:  # `2 / 24 = 8.3333%`: the measure with the results above put in
        value = f"{arithmetic} = {value}"
    line = i18n.ui(lang, "explain.value", f"  value: {value}", value=value)
    exact = k.exact_value() if k.value is not None else None
    if exact is not None and exact.is_finite() and exact != k.value:
        # 23 / 24 is 0.958333...: the attainment below is worked from 0.958333 (semantics §2)
        line += i18n.ui(lang, "explain.rounded6", " (rounded to 6 places)")
    value_lines.append(line)
    branch = written(k.target_span)
    # the targets dataset the row comes from (the KPI's rule that reads one)
    dataset = next((r.per_person for r in (kpi.targets if kpi is not None else []) if r.per_person),
                   "the targets dataset")
    source = {
        "constant": i18n.ui(lang, "explain.target.constant", "the target without `when`"),
        "when": i18n.ui(lang, "explain.target.when", f"the `when` branch {branch}", branch=branch),
        "per_person": i18n.ui(lang, "explain.target.per_person", f"the person's row for {k.period} in {dataset}",
                              period=k.period, dataset=dataset),
    }.get(k.target_source, k.target_source)
    if k.target is None and k.target_span is not None:
        # the rule that applied gave no value (an empty attribute or cell): no target, and the
        # rules after it are not tried (semantics §3)
        target_line = i18n.ui(lang, "explain.target_empty", f"  target: none: {source} ({where(k.target_span)}) "
                              "gives no value", source=source, where=where(k.target_span))
        if attributes is not None and kpi is not None:
            target_line += _when_tested(kpi, attributes, lang, hidden)
    elif k.target is None and kpi is not None and not kpi.targets:
        target_line = i18n.ui(lang, "explain.no_target_rule", "  target: none (the KPI sets no target)")
    elif k.target is None:  # no rule applied: each has a `when` that does not hold
        target_line = i18n.ui(lang, "explain.no_target", "  target: none found")
    else:
        target = _value(k, k.target, lang, unit)
        target_line = i18n.ui(lang, "explain.target", f"  target: {k.direction} {target} ({source}, {where(k.target_span)})",
                              direction=k.direction, value=target, source=source, where=where(k.target_span))
        if attributes is not None and kpi is not None:
            target_line += _when_tested(kpi, attributes, lang, hidden)
        if k.target_before_proration is not None:
            target_line += prorated_from(k, lambda x: _value(k, x, lang, unit), lang)
    attainment_lines = []
    if k.attainment is not None:
        key, rule = attainment_rule(k.value, k.target, k.direction)
        rule = i18n.ui(lang, key, rule)
        if key in ("explain.rule.higher", "explain.rule.lower"):
            line = i18n.ui(lang, "explain.attainment", f"  attainment: {rule} = {pct(k.attainment)}",
                           rule=rule, value=pct(k.attainment))
            # 49.999999 / 100 is 0.49999999, kept as 0.5: the floor of 50% is reached (semantics §4)
            over, under = (k.value, k.target) if key == "explain.rule.higher" else (k.target, k.value)
            if k.attainment.is_finite() and CONTEXT.divide(over, under) != k.attainment:
                line += i18n.ui(lang, "explain.rounded6", " (rounded to 6 places)")
            attainment_lines.append(line)
        else:  # no division: the rule that decided
            attainment_lines.append(i18n.ui(lang, "explain.attainment_by_rule", f"  attainment: {pct(k.attainment)} ({rule})",
                                            rule=rule, value=pct(k.attainment)))
    rule = i18n.phrase(k.score_rule, "explain", lang)
    score_line = i18n.ui(lang, "explain.score", f"  score: {rule}", rule=rule) + _at(score_place(k, kpi))
    if k.status == "in_progress":
        weight_line = i18n.ui(lang, "explain.in_progress", "  not in this run's total")
    elif k.rank == "main":
        weight, score, points = pct(k.weight), fmt_decimal(k.score), fmt_decimal(k.contribution)
        weight_line = i18n.ui(lang, "explain.weighted", f"  weight {weight} × score {score} = {points} points",
                              weight=weight, score=score, points=points) + _at(kpi.weight_span if kpi else None)
    else:
        weight_line = i18n.ui(lang, "explain.aux", "  auxiliary: reported, not weighted")
    return KpiSteps([_head(k, lang)], value_lines, [target_line], attainment_lines, [score_line], [weight_line])


def score_place(k: KpiResult, kpi: Kpi | None) -> Span | None:
    """Where the curve that scored a KPI is written: its `score` line, or the tier or lookup row
    that applied (None for the default curve, which is written nowhere, or without the KPI)."""
    part = curve_part(kpi, k) if kpi is not None else None
    return part[1] if part else None


def total_line(p: PersonResult, lang: str = "en") -> str:
    """The total as arithmetic a calculator repeats: the points added, then any rescaling of the weights.

    A main KPI whose period has not closed is not scored; the engine then scales the others'
    points by (weights of all main KPIs) / (weights of the scored ones), so the line says so,
    e.g. `(22 + 14.5455) × 100% / 35% = 104.415714`, instead of a sum that does not add up.
    """
    points = [fmt_decimal(k.contribution) for k in p.kpis if k.contribution is not None]
    main = [k for k in p.kpis if k.rank == "main"]
    weights_all = sum((k.weight or 0 for k in main), Decimal(0))
    weights_scored = sum((k.weight or 0 for k in main if k.status != "in_progress"), Decimal(0))
    arithmetic = " + ".join(points) or "0"
    if weights_scored and weights_scored != weights_all:  # the engine's condition (engine/evaluate.py)
        if len(points) > 1:
            arithmetic = f"({arithmetic})"
        arithmetic += f" × {pct(weights_all)} / {pct(weights_scored)}"
        exact = CONTEXT.divide(CONTEXT.multiply(sum((k.contribution for k in p.kpis if k.contribution is not None),
                                                    Decimal(0)), weights_all), weights_scored)
        if exact != p.total_score:  # the scaled total is kept to 6 places (semantics §6)
            total = fmt_decimal(p.total_score)
            return i18n.ui(lang, "explain.total_rounded", f"total score: {arithmetic} = {total} (rounded to 6 places)",
                           sum=arithmetic, total=total)
    total = fmt_decimal(p.total_score)
    return i18n.ui(lang, "explain.total", f"total score: {arithmetic} = {total}", sum=arithmetic, total=total)


def result_lines(p: PersonResult, lang: str = "en", role: Role | None = None) -> list[Line]:
    """The total, the run's notes on it, and the grade (with the person's `role`, the row of the
    grade table that holds the total)."""
    lines = [Line(total_line(p, lang))]
    for note in p.notes:
        note = i18n.phrase(note, "explain", lang)
        lines.append(Line(i18n.ui(lang, "explain.note", f"note: {note}", note=note)))
    return lines + [_grade_line(p, lang, role)]


def grade_place(p: PersonResult, role: Role | None) -> Span | None:
    """Where the grade row that holds the person's total is written (None: no row holds it, or
    the role has no grades or is not known)."""
    band = grade_band(role.grades, p.total_score) if role is not None else None
    return band.span if band is not None else None


def _grade_line(p: PersonResult, lang: str, role: Role | None) -> Line:
    graded = role is None or role.grades is not None
    band = grade_band(role.grades, p.total_score) if role is not None else None
    if band is not None:
        total, rows = fmt_decimal(p.total_score), describe(band, percent=False)
        grade = i18n.ui(lang, "explain.grade_band", f"total score {total} is in {rows}: {band.grade}",
                        total=total, band=rows, grade=band.grade)
        return Line(i18n.ui(lang, "explain.grade", f"grade: {grade}", grade=grade), band.span)
    if p.grade is not None:
        grade = p.grade
    elif graded:
        grade = i18n.ui(lang, "explain.no_grade", "none (no grade band holds this total)")
    else:
        grade = i18n.ui(lang, "explain.not_graded", "none (the role has no grades)")
    return Line(i18n.ui(lang, "explain.grade", f"grade: {grade}", grade=grade))


def payout_lines(p: PersonResult, lang: str = "en") -> list[Line]:
    """The payout steps in order, each with its .kpi place (none when the role has no payout rules)."""
    steps = p.payout.steps if p.payout is not None else []
    return [Line(i18n.phrase(step.description, "explain", lang), _place(step.span, lang)) for step in steps]


def _place(span: Span | RowPlace | None, lang: str) -> Span | RowPlace | None:
    """A step's place with a data row's words (`row 3 (line 4)`) in lang."""
    if isinstance(span, RowPlace) and span.row is not None:
        return replace(span, row=i18n.phrase(span.row, "note", lang))
    return span


def no_payout_line(lang: str = "en") -> str:
    return i18n.ui(lang, "explain.no_payout", "payout: the role has no payout rules")


def active_line(p: PersonResult, lang: str = "en", context: Context | None = None) -> str:
    """The days the person was active in the period, with the proration applied when not all;
    with a `context`, the hire and leave dates that count the days."""
    active = i18n.ui(lang, "explain.active", f"active {p.active_days} of {p.period_days} days",
                     active=p.active_days, days=p.period_days)
    if p.active_days == p.period_days:
        return active
    dates = "; ".join(context.joined_or_left(p, lang)) if context is not None else ""
    if p.proration == 1:  # the role pays and counts targets whole (proration off)
        if dates:
            return active + i18n.ui(lang, "explain.dates_proration_off", f" ({dates}; proration off)", dates=dates)
        return active + i18n.ui(lang, "explain.proration_off", " (proration off)")
    ratio = fmt_decimal(p.proration)
    if dates:
        return active + i18n.ui(lang, "explain.dates_proration", f" ({dates}; proration {ratio})", dates=dates,
                                ratio=ratio)
    return active + i18n.ui(lang, "explain.proration", f" (proration {ratio})", ratio=ratio)


def person_steps(p: PersonResult, lang: str = "en", context: Context = UNKNOWN, payouts: bool = True) -> list[str]:
    """Every KPI's steps, a blank line after each; with a `context`, the score steps point at
    the curve or row that applied and the targets say the attributes their `when` tests (with
    payouts False, not the values of those the role's payout reads: `pay_attributes`)."""
    attributes = context.attributes(p)
    hidden = frozenset() if payouts else pay_attributes(context.role(p))
    lines: list[str] = []
    for k in p.kpis:
        lines.extend(kpi_steps(k, lang, context.kpi(p, k), attributes, hidden, context.team_size(p.person_id)))
        lines.append("")
    return lines


def explain_periods(result: RunResult, person_id: str, lang: str = "en", context: Context = UNKNOWN) -> list[str]:
    """A block per period of the run, in order: the person's explanation, or, for a period in
    which they were not evaluated, a line saying why (`崔怡雨 (P019), period 2026-04: not
    evaluated (not active: hired on 2026-06-15, after the period)`)."""
    evaluated = {p.period: p for p in result.people if p.person_id == person_id}
    blocks = []
    for period in result.periods:
        p = evaluated.get(period)
        if p is not None:
            blocks.append(render_explain(p, lang, context))
            continue
        name = context.name(person_id) or person_id
        why = i18n.phrase(context.not_evaluated(person_id, period), "explain", lang)
        blocks.append(i18n.ui(lang, "explain.not_evaluated", f"{name} ({person_id}), period {period}: not evaluated ({why})",
                              name=name, id=person_id, period=period, why=why))
    return blocks


def render_explain(p: PersonResult, lang: str = "en", context: Context = UNKNOWN) -> str:
    """The explanation of one person's result; with a `context` (the scheme's roles and the
    roster), the score and grade steps also point at the curve or row and the grade row that
    applied, and a target says the person's values its `when` tests."""
    # "Anna (P007)"; an id alone where the roster gives no other name ("P007", not "P007 (P007)")
    who, role = (i18n.ui(lang, "explain.named", f"{label} ({ident})", label=label, id=ident)
                 if label and label != ident else ident
                 for label, ident in ((p.name, p.person_id), (p.role_label, p.role)))
    out = [
        i18n.ui(lang, "explain.person", f"{who}, role {role}, period {p.period}", who=who, role=role,
                period=p.period),
        active_line(p, lang, context),
        "",
        *person_steps(p, lang, context),
    ]
    out.extend(line.printed() for line in result_lines(p, lang, context.role(p)))
    if p.payout is None:
        out.append(no_payout_line(lang))
    else:
        out.append(i18n.ui(lang, "explain.payout", "payout:"))
        out.extend(f"  {line.printed()}" for line in payout_lines(p, lang))
    return "\n".join(out)
