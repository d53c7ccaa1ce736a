"""Resolve a role's KPIs (measures, targets, curves) and its payout rules.

Part of `kpirules.model.resolve.Resolver`, kept in its own module for size: the methods
here use the resolver's helpers (`_settings`, `_once`, `_constant`, `_check`, ...) and
report into the same `Problems`.
"""

from __future__ import annotations

from decimal import Decimal

from kpirules.lang import ast
from kpirules.lang.parser import expression_words
from kpirules.model import scheme as m
from kpirules.model.bands import bound_problem
from kpirules.model.problems import Problems, did_you_mean, known, suggest
from kpirules.model.types import UNKNOWN, ExprChecker, Scope, family, is_money, refs_in
from kpirules.model.constants import NotWorkedOut, constant_value
from kpirules.model.vocabulary import PERIOD_MONTHS, PERIODS


def unreadable_name(name: str, what: str) -> str | None:
    """E238's message for a KPI or dataset (`what`) that cannot have this name, or None: an
    expression would read the word as the language's own (`count(...)`, `if`, `person.level`)."""
    if name == "person":
        reason = "in an expression, person.<attribute> reads the roster"
    elif name in expression_words():
        reason = "it is a word of the language where an expression is read"
    else:
        return None
    if what == "KPI":
        return f"'{name}' cannot name a KPI: {reason}"
    return f"'{name}' cannot name a dataset: {reason}"


class KpiResolver:
    # ================================================================ a role's KPIs

    def _role_kpis(self, decl: ast.RoleDecl, parent: m.Role | None, extends: bool, header, datasets,
                   role_no_data) -> list[m.Kpi]:
        """The role's KPIs: those it inherits, as its `override`s change them, then its own."""
        where = f"role {decl.id.name}"
        kpis: list[m.Kpi] = [
            k.model_copy(update={"inherited_from": k.inherited_from or parent.id}) for k in parent.kpis
        ] if parent else []
        own = {}  # the role's own `kpi` declarations, first of each name
        for stmt in decl.body:
            if isinstance(stmt, ast.KpiDecl) and not stmt.override:
                own.setdefault(stmt.id.name, stmt)
        overridden: dict[str, ast.KpiDecl] = {}
        for stmt in decl.body:
            if not isinstance(stmt, ast.KpiDecl):
                continue
            name = stmt.id.name
            existing = next((i for i, k in enumerate(kpis) if k.id == name), None)
            if stmt.override:
                if name in own:
                    self.problems.error(
                        "E206", stmt.id.span, f"cannot override '{name}': role {decl.id.name} declares it itself",
                        f"change `kpi {name}` at line {own[name].span.line} instead: "
                        "override changes a KPI inherited through extends",
                    )
                    continue
                if name in overridden:
                    self.problems.error(
                        "E222", stmt.id.span, f"'override {name}' is given twice in {where}",
                        f"the first is at line {overridden[name].span.line}; write both changes in one override",
                    )
                    continue
                overridden[name] = stmt
                if existing is None:
                    if parent is None and extends:
                        continue  # the role it extends is unknown or in a cycle: reported there
                    self.problems.error(
                        "E206", stmt.id.span, f"cannot override '{name}': role {decl.id.name} has no such KPI",
                        did_you_mean(name, [k.id for k in kpis]) or known("KPIs", [k.id for k in kpis]),
                    )
                    continue
                kpis[existing] = self._kpi(stmt, kpis[existing], decl.id.name, header, datasets, role_no_data)
            elif (message := unreadable_name(name, "KPI")) is not None:
                self.problems.error("E238", stmt.id.span, message, f"choose another name, e.g. {name}_kpi")
            elif existing is not None:
                base = kpis[existing]
                self.problems.error(
                    "E220", stmt.id.span, f"duplicate KPI '{name}' in {where}",
                    f"it is inherited from role {base.inherited_from}; write `override {name} {{ ... }}` to change it"
                    if base.inherited_from else f"first declared at {base.span}",
                )
            else:
                kpis.append(self._kpi(stmt, None, decl.id.name, header, datasets, role_no_data))
        return kpis

    def _refit_inherited_payout(self, decl: ast.RoleDecl, payout: m.Payout, parent: m.Role, kpis: list[m.Kpi],
                                header, datasets) -> None:
        """A role that keeps its parent's payout, but whose `override`s change the measure of a
        KPI the payout reads: check the payout's commissions and gates against the new
        measures as if written in this role, and report at the measure what no longer fits."""
        inherited = {k.id: k.value_type for k in parent.kpis}
        kpi_types = {k.id: k.value_type for k in kpis}
        measures = {
            stmt.id.name: setting.value.span
            for stmt in decl.body if isinstance(stmt, ast.KpiDecl) and stmt.override
            for setting in stmt.body if isinstance(setting, ast.Setting) and setting.key == "measure"
        }
        changed = {kpi: at for kpi, at in measures.items() if kpi in inherited and inherited[kpi] != kpi_types.get(kpi)}
        if not changed:
            return
        for commission in payout.commissions:
            if commission.kpi in changed and _commission_misfit(commission.kpi, kpi_types) is not None:
                self.problems.error(
                    "E259", changed[commission.kpi], _commission_misfit(commission.kpi, kpi_types),
                    f"the commission paid on it is inherited with the payout, from {commission.span}: "
                    "write this role's own payout",
                )
        for gate in payout.gates:
            read = next((kpi for kpi in gate.kpis if kpi in changed), None)
            if read is None:
                continue
            found = Problems()
            ExprChecker(found, self._gate_scope(kpi_types, datasets, header)).check(gate.condition)
            for problem in found.diagnostics:
                self.problems.error(
                    problem.code, changed[read], problem.message,
                    f"the gate that reads it is inherited with the payout, from {gate.span}: "
                    "write this role's own payout",
                )

    # ================================================================ KPIs

    def _kpi(self, decl: ast.KpiDecl, base: m.Kpi | None, role: str, header, datasets, role_no_data) -> m.Kpi:
        where = f"KPI {decl.id.name}"
        s = self._settings(
            decl.body, {"description", "measure", "weight", "period", "scope", "unit"}, where
        )
        fields: dict = {}
        if base:
            fields = {name: getattr(base, name) for name in type(base).model_fields}
        fields.update(id=decl.id.name, span=decl.span if base is None else base.span)
        if base is None:
            fields.update(label=decl.label, no_data_score=role_no_data[0], no_data_from=role_no_data[1])
        if "description" in s:
            fields["description"] = self._text(s["description"])
        kind = self._once(decl.body, ast.Kind, where, "process/outcome")
        if kind is not None:
            fields["kind"] = kind.kind
            fields["rank"] = kind.rank or self.d["kpi"]["rank"]
        elif base is None:
            self.problems.error(
                "E245", decl.id.span, f"{where} does not say whether it tracks a process or an outcome",
                "add `process main` (activity such as calls or visits) or `outcome main` (results such as revenue)",
            )
        fields.setdefault("rank", self.d["kpi"]["rank"])

        value_type = fields.setdefault("value_type", "number")
        if "measure" in s:
            scope = Scope(what="measure", datasets=datasets, currency=header.currency)
            value_type = self._check(s["measure"].value, scope)
            fields["measure"] = s["measure"].value
            fields["datasets"] = sorted(scope.datasets_used)
            if value_type not in (UNKNOWN,) and family(value_type) not in ("number", "duration") and not is_money(value_type):
                self.problems.error(
                    "E306", s["measure"].value.span,
                    f"a measure must be a number, a rate, an amount or a duration; this one is {value_type}",
                    'count or sum what it tests instead, e.g. count(deals where status == "won")',
                )
            value_type = "number" if value_type == "integer" else value_type  # a count is a number
            fields["value_type"] = "number" if value_type == UNKNOWN else value_type

        if "weight" in s:
            fields["weight"] = self._constant(s["weight"].value, "a weight", ("percent",))
            fields["weight_span"] = s["weight"].span
            if fields["weight"] is not None and fields["weight"] < 0:
                self.problems.error(
                    "E232", s["weight"].value.span, "a weight cannot be negative",
                    "write 0% or more; a KPI that should not count is `auxiliary`, without a weight",
                )
        elif kind is not None and kind.rank == "auxiliary":
            # an override making an inherited KPI auxiliary: its weight goes with it (§7.2)
            fields.update(weight=None, weight_span=None)
        if "period" in s:
            period = self._word(s["period"], PERIODS, "period")
            if period and header.period and PERIOD_MONTHS[period] < PERIOD_MONTHS[header.period]:
                self.problems.error(
                    "E237", s["period"].value.span,
                    f"a KPI's period cannot be shorter than the scheme's ({header.period})",
                    "a KPI may run longer than the scheme period (a quarterly KPI in a monthly scheme), not shorter",
                )
            elif period and header.period and PERIOD_MONTHS[period] % PERIOD_MONTHS[header.period]:
                self.problems.error(
                    "E237", s["period"].value.span,
                    f"a {period} KPI does not divide into {header.period} periods",
                    "use a period that is a whole number of scheme periods: " + ", ".join(
                        p for p in PERIODS if PERIOD_MONTHS[p] % PERIOD_MONTHS[header.period] == 0
                    ),
                )
            fields["period"] = period
        if "scope" in s:
            fields["scope"] = self._word(s["scope"], ("self", "team", "team_and_self"), "scope", "self")
            roster = next((d for d in datasets.values() if d.kind == "roster"), None)
            if fields["scope"] != "self" and roster is not None and "manager" not in roster.bindings:
                self.problems.error(
                    "E246", s["scope"].value.span, "team scope needs the roster's manager column",
                    f"add `manager <column>` to roster {roster.id}",
                )
        if "unit" in s:
            fields["unit"] = self._text(s["unit"])
        no_data = self._once(decl.body, ast.NoData, where, "no_data")
        if no_data is not None:
            fields["no_data_score"] = self._score(no_data.score)
            fields["no_data_from"] = "kpi"

        serves = [st for st in decl.body if isinstance(st, ast.Serves)]
        if serves:
            known_objectives = [o.id for o in header.objectives]
            fields["serves"] = []
            for stmt in serves:
                for obj in stmt.objectives:
                    if obj.name not in known_objectives:
                        self.problems.unknown("E205", "objective", obj.name, obj.span, known_objectives)
                    fields["serves"].append(obj.name)

        targets = [st for st in decl.body if isinstance(st, ast.Target)]
        if targets:
            fields["targets"], fields["direction"] = self._targets(targets, value_type, header, datasets)

        score = self._once(decl.body, ast.Score, where, "score")
        if score is not None:
            fields["curve"] = self._curve(score.curve, value_type)
        elif base is None:
            kd = self.d["kpi"]
            fields["curve"] = m.Curve(kind=kd["curve"], floor=Decimal(kd["floor"]), cap=Decimal(kd["cap"]))
        if base is not None and "measure" in s:
            self._refit_inherited(s["measure"].value.span, base, value_type, header, datasets,
                                  targets=not targets, curve=score is None)

        kpi = m.Kpi(**fields)
        if kpi.rank == "auxiliary" and kpi.weight is not None:
            self.problems.error(
                "E247", s["weight"].span if "weight" in s else decl.id.span,
                f"{where} is auxiliary, so it is reported but not weighted",
                "remove the weight, or make it `main`",
            )
        needs_target = kpi.curve.axis == "attainment" and kpi.rank == "main"
        if needs_target and not kpi.targets and kpi.measure is not None:
            table = kpi.curve.kind if kpi.curve.kind in ("tiers", "lookup") else None
            self.problems.error(
                "E248", decl.id.span, f"{where} has no target, so its attainment cannot be computed",
                f"add `target >= <value>` (or `target <= <value>` when lower is better), or score the value "
                f"itself: `score {table} by value`" if table else
                "add `target >= <value>` (or `target <= <value>` when lower is better)",
            )
        return kpi

    def _targets(self, stmts: list[ast.Target], value_type: str, header, datasets):
        direction = stmts[0].op
        rules: list[m.TargetRule] = []
        unconditional = None
        for stmt in stmts:
            if stmt.op != direction:
                self.problems.error(
                    "E249", stmt.span, "every target of a KPI points the same way",
                    f"the first target says {direction}; a KPI is either higher-is-better (>=) or lower-is-better (<=)",
                )
            scope = self._target_scope(header, datasets)
            t = self._check(stmt.value, scope)
            ExprChecker(self.problems, scope).check_target(stmt.value, value_type, t)
            per_person = next(iter(scope.targets_used), None)
            if stmt.when is not None:
                if per_person:
                    self.problems.error(
                        "E249", stmt.when.span, "a per-person target cannot have a `when` condition",
                        "per-person targets already apply to one person; remove the condition",
                    )
                cond_scope = self._person_scope("condition", datasets, header)
                ct = self._check(stmt.when, cond_scope)
                if ct not in ("boolean", UNKNOWN):
                    self.problems.error("E306", stmt.when.span, "`when` needs a condition on person attributes",
                                        "e.g. when person.tenure_months < 3")
            elif per_person is None:
                if unconditional is not None:
                    self.problems.error(
                        "E222", stmt.span, "two targets without `when`",
                        f"the first is at line {unconditional.span.line}; give one a `when` condition",
                    )
                unconditional = stmt
            rules.append(m.TargetRule(value=stmt.value, when=stmt.when, per_person=per_person, span=stmt.span))
        return rules, direction

    def _target_scope(self, header, datasets) -> Scope:
        scope = self._person_scope("target", datasets, header)
        scope.targets = {d.id: d for d in datasets.values() if d.kind == "targets"}
        return scope

    def _refit_inherited(self, at: ast.Span, base: m.Kpi, value_type: str, header, datasets, *,
                         targets: bool, curve: bool) -> None:
        """An `override` that writes a new measure keeps the inherited targets and score it
        does not write again: check them against the new measure as if written with it, and
        report what no longer fits at the measure, naming where the inherited line is."""
        if targets:
            for rule in base.targets:
                scope = self._target_scope(header, datasets)
                written = ExprChecker(Problems(), scope).check(rule.value)  # reported where written
                found = Problems()
                ExprChecker(found, scope).check_target(rule.value, value_type, written)
                for problem in found.diagnostics:
                    self.problems.error(
                        problem.code, at, problem.message,
                        f"the target it is compared with is inherited from {rule.span}: "
                        "write the KPI's targets again in this override, in the new measure's kind",
                    )
        if curve and base.curve.axis == "value":
            misfits = (bound_problem(bound, value_type) for bound in self.value_bounds.get(base.curve.span, []))
            problem = next((p for p in misfits if p is not None), None)
            if problem is not None:
                self.problems.error(
                    "E255", at, problem[0],
                    f"its score by value is inherited from {base.curve.span}, with bounds of another kind: "
                    "write a score line for the new measure in this override",
                )

    def _curve(self, curve, value_type: str) -> m.Curve:
        if isinstance(curve, ast.LinearCurve):
            floor = self._constant(curve.floor, "a floor", ("percent",)) if curve.floor is not None else Decimal(self.d["kpi"]["floor"])
            cap = self._constant(curve.cap, "a cap", ("percent",)) if curve.cap is not None else Decimal(self.d["kpi"]["cap"])
            if floor is not None and cap is not None and floor > cap:
                self.problems.error("E257", curve.span, "the floor is above the cap", "e.g. linear floor 50% cap 120%")
            return m.Curve(kind="linear", floor=floor, cap=cap, span=curve.span)
        if isinstance(curve, ast.PassFailCurve):
            return m.Curve(kind="pass_fail", span=curve.span)
        axis = curve.axis.name if curve.axis else "attainment"
        if axis not in ("attainment", "value"):
            self.problems.error(
                "E230", curve.axis.span, f"'{axis}' is not a scoring axis",
                suggest(axis, ("attainment", "value"), "score by attainment (default) or by value"),
            )
            axis = "attainment"
        unit = "attainment" if axis == "attainment" else value_type
        scope = Scope(what="constant", currency=self.currency)
        if axis == "value":
            self.value_bounds[curve.span] = [
                bound for row in curve.rows
                for bound in ((row.interval.low, row.interval.high) if isinstance(curve, ast.TiersCurve) else (row.key,))
                if isinstance(bound, ast.Literal_)
            ]
        if isinstance(curve, ast.TiersCurve):
            # bounds print as the rows are written: percentages for attainment or a rate's value
            percent = axis == "attainment" or value_type == "percent"
            tiers = self._tiers(curve.rows, unit, scope, "scoring tier table", curve.span, percent=percent)
            for row in curve.rows:
                self._percent_as_points(row.value, "a tier's score")
            return m.Curve(kind="tiers", axis=axis, tiers=tiers, span=curve.span)
        points = []
        for row in curve.rows:
            self._check_bound_unit(row.key, unit, key=True)
            if not self._percent_as_points(row.value, "a lookup score") and (
                family(self._expect_number(row.value, scope, "a lookup score")) == "number"
            ):
                ExprChecker(self.problems, scope).expect_value(row.value, "a lookup score")
            if points and row.key.value <= points[-1].key:
                self.problems.error(
                    "E258", row.span, "lookup rows must be in increasing order of their keys",
                    f"this key ({row.key.text}) is not above the one before",
                )
            points.append(m.LookupPoint(key=row.key.value, value=row.value, span=row.span))
        if not points:
            self.problems.error("E250", curve.span, "the lookup table has no rows", "add rows such as 0%: 0  100%: 100")
        return m.Curve(kind="lookup", axis=axis, points=points, span=curve.span)

    # ================================================================ payout

    def _payout(self, decl: ast.PayoutDecl, kpis: list[m.Kpi], header, datasets) -> m.Payout:
        where = "payout"
        s = self._settings(decl.body, {"target_incentive", "cap", "cap factor", "proration"}, where)
        target_incentive = None
        if "target_incentive" in s:
            target_incentive = s["target_incentive"].value
            scope = self._person_scope("target incentive", datasets, header)
            t = self._check(target_incentive, scope)
            if t != UNKNOWN and not is_money(t) and t != "number":
                self.problems.error(
                    "E232", target_incentive.span, f"the target incentive must be an amount, found {t}",
                    "e.g. target_incentive 3000 CNY or target_incentive person.target_incentive",
                )
            elif is_money(t) and t != f"money:{header.currency}":
                self.problems.error(
                    "E303", target_incentive.span,
                    f"the target incentive is not in the scheme's currency ({header.currency})",
                    f"write the amount in {header.currency}",
                )
            elif not refs_in(target_incentive) and _negative(target_incentive):
                self.problems.error(
                    "E232", target_incentive.span, "the target incentive cannot be negative",
                    NEGATIVE_PAY_HELP,
                )
        factor = self._once(decl.body, ast.Factor, where, "factor")
        factor_tiers: list[m.Tier] = []
        if factor is not None:
            if factor.axis.name != "total_score":
                self.problems.error(
                    "E230", factor.axis.span, f"the payout factor is a function of total_score, not '{factor.axis.name}'",
                    "write `factor by total_score { ... }`",
                )
            scope = Scope(what="factor", names={"total_score": "number"}, currency=self.currency)
            factor_tiers = self._tiers(factor.rows, "score", scope, "payout factor table", factor.span)
        kpi_types = {k.id: k.value_type for k in kpis}
        gates = []
        for stmt in decl.body:
            if isinstance(stmt, ast.Gate):
                gates.append(self._gate(stmt, kpi_types, datasets, header))
        commissions = []
        for stmt in decl.body:
            if isinstance(stmt, ast.Commission):
                commissions.append(self._commission(stmt, kpi_types, datasets, header))
        proration = self._word(s.get("proration"), ("on", "off"), "proration setting", None)
        cap = self._constant(s["cap"].value, "the payout cap", ("money", "number")) if "cap" in s else None
        if cap is not None and cap < 0:
            self.problems.error(
                "E232", s["cap"].value.span, "the payout cap cannot be negative",
                "write 0 or more: the cap is the most the period pays; money is taken back by a manual adjustment",
            )
        cap_factor = self._constant(s["cap factor"].value, "cap factor", ("number", "percent")) if "cap factor" in s else None
        if cap_factor is not None and cap_factor < 0:
            self.problems.error("E232", s["cap factor"].value.span, "the cap factor cannot be negative", NEGATIVE_PAY_HELP)
        return m.Payout(
            target_incentive=target_incentive,
            factor_tiers=factor_tiers,
            factor_span=factor.span if factor else None,
            cap_factor=cap_factor,
            cap=cap,
            cap_factor_span=s["cap factor"].span if "cap factor" in s else None,
            cap_span=s["cap"].span if "cap" in s else None,
            gates=gates,
            commissions=commissions,
            proration=self.d["payout"]["proration"] if proration is None else proration == "on",
            rounding=self._rounding(self._once(decl.body, ast.Rounding, where, "rounding"), header.rounding),
            span=decl.span,
        )

    def _gate_scope(self, kpi_types: dict[str, str], datasets, header) -> Scope:
        scope = self._person_scope("gate", datasets, header)
        scope.kpis = dict(kpi_types)  # the role's own KPIs: another role's have no value here
        scope.names = {"total_score": "number"}
        return scope

    def _gate(self, stmt: ast.Gate, kpi_types: dict[str, str], datasets, header) -> m.Gate:
        scope = self._gate_scope(kpi_types, datasets, header)
        t = self._check(stmt.condition, scope)
        if t not in ("boolean", UNKNOWN):
            self.problems.error(
                "E306", stmt.condition.span, "a gate needs a condition",
                "e.g. gate collection_rate.attainment >= 80% else zero",
            )
        amount = None
        if stmt.amount is not None:
            amount = self._constant(stmt.amount, "the gate's factor", ("number", "percent"))
            if amount is not None and amount < 0:
                self.problems.error("E232", stmt.amount.span, "the gate's factor cannot be negative", NEGATIVE_PAY_HELP)
        no_data = "fail"
        if stmt.no_data is not None:
            no_data = stmt.no_data.name
            if no_data not in ("pass", "fail"):
                self.problems.error(
                    "E230", stmt.no_data.span, f"'{no_data}' is not a no-data rule for a gate",
                    "write `no_data pass` or `no_data fail` (the default)",
                )
                no_data = "fail"
        return m.Gate(
            condition=stmt.condition, effect=stmt.effect, amount=amount, no_data=no_data,
            kpis=sorted(scope.kpis_used), span=stmt.span,
        )

    def _commission(self, stmt: ast.Commission, kpi_types: dict[str, str], datasets, header) -> m.Commission:
        kpi = stmt.kpi.name
        if kpi not in kpi_types:
            self.problems.unknown("E206", "KPI of this role", kpi, stmt.kpi.span, kpi_types)
        elif _commission_misfit(kpi, kpi_types) is not None:
            self.problems.error("E259", stmt.kpi.span, _commission_misfit(kpi, kpi_types), _commission_help(kpi_types))
        mode = stmt.mode.name
        if mode not in ("marginal", "retroactive"):
            self.problems.error(
                "E230", stmt.mode.span, f"'{mode}' is not a commission mode",
                suggest(mode, ("marginal", "retroactive"), "marginal: each tier's rate applies to the part in that "
                        "tier; retroactive: the reached tier's rate applies to everything"),
            )
            mode = "marginal"
        # a rate is a constant, or an expression of person attributes (person.commission_pct)
        tiers = self._tiers(stmt.rows, "money", self._person_scope("commission rate", datasets, header),
                            "commission table", stmt.span,
                            value=("a commission rate", "write the rate as a share of the amount, e.g. 1.5% or 0.015"))
        for tier in tiers:
            if tier.value is not None and not refs_in(tier.value) and not self.problems.reported_at(tier.value.span):
                self._constant(tier.value, "a commission rate", ("percent", "number"))
        return m.Commission(kpi=kpi, mode=mode, tiers=tiers, span=stmt.span)


#: why a negative incentive or factor is refused (as a negative payout cap is)
NEGATIVE_PAY_HELP = ("write 0 or more: a negative one turns every payout into a deduction; money is taken back "
                     "by a manual adjustment")


def _negative(expr) -> bool:
    """Whether an expression that reads no name works out below 0."""
    try:
        value = constant_value(expr)
    except NotWorkedOut:
        return False
    return value is not None and value < 0


def _commission_misfit(kpi: str, kpi_types: dict[str, str]) -> str | None:
    """E259's message when the KPI's value cannot be paid a commission on: an amount or a
    number can (language.md §12.5), a percentage or a duration cannot."""
    if is_money(kpi_types[kpi]) or kpi_types[kpi] == "number":
        return None
    return f"commission is paid on an amount; {kpi} is a {kpi_types[kpi]}"


def _commission_help(kpi_types: dict[str, str]) -> str:
    """E259's help: the role's KPIs that measure an amount, or how to measure one."""
    amounts = sorted(kpi for kpi, type_ in kpi_types.items() if is_money(type_))
    if amounts:
        return f"pay it on a KPI that measures an amount: {', '.join(amounts)}"
    return "measure an amount in a KPI, e.g. sum(contracts.amount), and pay the commission on that KPI"
