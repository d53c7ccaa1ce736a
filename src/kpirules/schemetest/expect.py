"""What a case expects, read from its `expect` table: per KPI, and for the person's total,
grade and payout. Each expectation keeps where it was written, for the failure message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kpirules.errors import Location
from kpirules.model.problems import did_you_mean, known
from kpirules.model.scheme import Role
from kpirules.schemetest import convert

KPI_FIELDS = ("value", "target", "attainment", "score", "contribution", "status")
PERSON_FIELDS = ("total", "grade", "factor", "target_incentive", "incentive", "commissions", "payout", "gates")
PAYOUT_FIELDS = ("factor", "target_incentive", "incentive", "commissions", "payout", "gates")
STATUSES = ("ok", "no_data", "in_progress")
GATE_OUTCOMES = ("passed", "failed", "not applied")


@dataclass
class Expectation:
    """One number (or word) a case expects: of a KPI, or of the person's total, grade or payout."""

    field: str
    expected: Any
    location: Location
    kpi: str | None = None  # the KPI of a KPI field, or of a commission

    @property
    def subject(self) -> str:
        if self.field == "commissions":
            return f"commission on {self.kpi}"
        return f"kpi {self.kpi} {self.field}" if self.kpi and self.field in KPI_FIELDS else self.field


class ExpectationReader:
    """The part of the test-file reader that reads `expect` (it needs error, convert, table, kpi_of)."""


    def expectations(self, raw: dict, here: tuple, role: Role) -> list[Expectation]:
        path = (*here, "expect")
        table = self.table(raw.get("expect"), path, "expect") if "expect" in raw else {}
        if not table:
            self.error("E802", "the case expects nothing", self.at_key(*here),
                       "add expect.total = ..., expect.payout = \"...\" or expect.kpis.<kpi>.score = ...")
            return []
        self.unknown_keys(table, ("kpis", *PERSON_FIELDS), path, "expect")
        out: list[Expectation] = []
        for kpi_id, fields in self.table(table.get("kpis", {}), (*path, "kpis"), "expect.kpis").items():
            kpi = self.kpi_of(role, kpi_id, (*path, "kpis", kpi_id), "expect.kpis")
            where = (*path, "kpis", kpi_id)
            fields = self.table(fields, where, f"expect.kpis.{kpi_id}")
            if kpi is None:
                continue
            self.unknown_keys(fields, KPI_FIELDS, where, f"expect.kpis.{kpi_id}")
            share = kpi.value_type == "percent"
            for name in KPI_FIELDS:
                if name in fields:
                    self.expect(out, name, fields[name], (*where, name), kpi_id, share)
        for name in PERSON_FIELDS:
            if name not in table:
                continue
            if name in PAYOUT_FIELDS and role.payout is None:
                self.error("E811", f"expect.{name}: the role {role.id} has no payout", self.at_key(*path, name),
                           "expect the total and grade only, or add a payout block to the role")
                continue
            if name == "commissions":
                self.commissions(out, table[name], (*path, name), role)
            else:
                self.expect(out, name, table[name], (*path, name), None, False, role)
        # failures are listed in this order: as the expectations are written in the file
        return sorted(out, key=lambda e: (e.location.line, e.location.column))

    def expect(self, out: list, name: str, raw, path: tuple, kpi_id: str | None, share: bool, role: Role | None = None):
        where = self.at_value(*path)
        if name in ("value", "target"):
            ok, value = self.convert(convert.optional_number, raw, path, share=share, what=f"a {name}")
        elif name == "attainment":
            ok, value = self.convert(convert.attainment, raw, path)
        elif name in ("score", "contribution"):
            ok, value = self.convert(convert.optional_number, raw, path, what=f"a {name} (points, not a percentage)")
        elif name in ("status", "grade"):
            ok, value = self.convert(convert.text, raw, path)
            if ok and name == "status" and value not in STATUSES:
                self.error("E803", f"unknown status {convert.shown(value)}", where, f"a KPI's status is one of {', '.join(STATUSES)}")
                ok = False
            if ok and name == "grade" and value.strip().lower() in convert.NONE_WORDS:
                value = None
        elif name == "gates":
            ok, value = self.gates(raw, path, role)
        elif name == "target_incentive":
            ok, value = self.convert(convert.optional_number, raw, path, what="an amount")
        else:
            words = name.replace("_", " ")
            ok, value = self.convert(convert.number, raw, path, what=f"{'an' if words[0] in 'aeiou' else 'a'} {words}")
        if ok:
            out.append(Expectation(name, value, where, kpi_id))

    def gates(self, raw, path: tuple, role: Role) -> tuple[bool, list[str] | None]:
        gates = role.payout.gates
        if not isinstance(raw, list) or not all(isinstance(g, str) and g in GATE_OUTCOMES for g in raw):
            self.error("E803", "expect.gates lists each gate's outcome", self.at_value(*path),
                       f'e.g. gates = ["passed"]; an outcome is one of {", ".join(repr(g) for g in GATE_OUTCOMES)}')
            return False, None
        if len(raw) != len(gates):
            self.error("E803", f"expect.gates lists {len(raw)} outcome(s); the role {role.id} has {len(gates)} gate(s)",
                       self.at_value(*path), "list one outcome per gate, in written order")
            return False, None
        return True, list(raw)

    def commissions(self, out: list, raw, path: tuple, role: Role) -> None:
        paid = [c.kpi for c in role.payout.commissions]
        for kpi_id, amount in self.table(raw, path, "expect.commissions").items():
            if kpi_id not in paid:
                self.error("E811", f"expect.commissions: the role {role.id} pays no commission on '{kpi_id}'",
                           self.at_key(*path, kpi_id), did_you_mean(kpi_id, paid) or known("commissions", paid))
                continue
            ok, value = self.convert(convert.optional_number, amount, (*path, kpi_id), what="an amount")
            if ok:
                out.append(Expectation("commissions", value, self.at_value(*path, kpi_id), kpi_id))
