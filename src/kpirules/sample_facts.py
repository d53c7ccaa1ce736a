"""The sample company's facts: a year of calls, leads, contracts, money, visits and more.

Rows are produced person by person in roster order, month by month, and only on the
workdays a person is employed (nothing before hiring or after leaving). Record ids are
added later, after sorting by date (`kpirules.sample.with_record_ids`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from kpirules.sample_company import EXPORTED_ON, UNKNOWN_PERSON, YEAR, Person

YEAR_END = dt.date(YEAR, 12, 31)
NO_PAYMENTS = ("P025", 7)  # this person is invoiced in July but collects nothing
BOUNDARY_CUSTOMER = ("P044", 1)  # first new customer of this quarter signs exactly 500,000.00
FACT_DATASETS = ("calls", "leads", "contracts", "invoices", "payments", "visits", "milestones", "surveys", "renewals")


@dataclass
class Facts:
    """Fact rows per dataset (without record ids) and the customer-id counter."""

    rows: dict[str, list[tuple]] = field(default_factory=lambda: {name: [] for name in FACT_DATASETS})
    customers: int = 0

    def new_customer(self) -> str:
        self.customers += 1
        return f"CU{self.customers:05d}"

    def add(self, dataset: str, *row) -> None:
        self.rows[dataset].append(row)


def month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def workdays(first: dt.date, last: dt.date) -> list[dt.date]:
    """Monday to Friday from first to last, both included."""
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def employed_workdays(person: Person, first: dt.date, last: dt.date) -> list[dt.date]:
    start = max(first, person.hired_on)
    end = min(last, person.left_on or last)
    return workdays(start, end) if start <= end else []


def ramp(person: Person, year: int, month: int) -> float:
    """New hires build up activity over their first three months."""
    months = (year - person.hired_on.year) * 12 + month - person.hired_on.month
    return {0: 0.55, 1: 0.75, 2: 0.9}.get(months, 1.0)


def scaled(rng: random.Random, mean: float, share: float) -> int:
    """A count around mean * share, spread +-15%."""
    return int(mean * share * rng.triangular(0.85, 1.15) + 0.5)


def split_cents(rng: random.Random, total: int, parts: int) -> list[int]:
    """total cents in `parts` positive pieces (fewer when total is too small)."""
    parts = max(1, min(parts, total))
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, total]
    return [high - low for low, high in zip(bounds, bounds[1:])]


def survey_score(rng: random.Random, satisfaction: float) -> int:
    if rng.random() < satisfaction:
        return 5 if rng.random() < 0.6 else 4
    return rng.choice((1, 2, 3, 3, 3))


def months(person: Person):
    """(year, month, employed workdays, share of a full month of work) for 2026."""
    for month in range(1, 13):
        first, last = month_span(YEAR, month)
        days = employed_workdays(person, first, last)
        if days:
            yield month, days, len(days) / len(workdays(first, last)) * ramp(person, YEAR, month)


def money_flow(
    rng: random.Random, facts: Facts, person: Person, days: list[dt.date], invoiced: int,
    month: int,
) -> None:
    """Invoices worth `invoiced` cents and the month's payments, refunds as negative payments."""
    pid = person.person_id
    for amount in split_cents(rng, invoiced, rng.randint(1, 3)):
        facts.add("invoices", pid, rng.choice(days), amount)
    rate = min(1.10, max(0.60, person.profile.collection * rng.triangular(0.92, 1.08)))
    refund = invoiced * rng.randint(1, 6) // 100 if rng.random() < 0.08 else 0
    payments = split_cents(rng, int(invoiced * rate) + refund, rng.randint(1, 3))
    if (pid, month) == NO_PAYMENTS:
        return
    for amount in payments:
        facts.add("payments", pid, rng.choice(days), amount)
    if refund:
        facts.add("payments", pid, rng.choice(days), -refund)


def telesales_facts(rng: random.Random, facts: Facts, person: Person) -> None:
    pid, profile = person.person_id, person.profile
    customers: list[str] = []
    # December 2025 leads too, so that January has conversions of earlier leads.
    first, last = month_span(YEAR - 1, 12)
    december = employed_workdays(person, first, last)
    if december:
        leads(rng, facts, person, december, 1.0, customers)
    for month, days, share in months(person):
        leads(rng, facts, person, days, share, customers)
        for _ in range(scaled(rng, profile.calls, share)):
            at = dt.datetime.combine(rng.choice(days), dt.time(9)) + dt.timedelta(seconds=rng.randrange(9 * 3600))
            duration = 0 if rng.random() < 0.15 else int(rng.triangular(20, 900, 110))
            facts.add("calls", pid, at, duration)
        money_flow(rng, facts, person, days, int(rng.randint(40, 160) * 100_000 * share), month)
        for _ in range(scaled(rng, 5, share)):
            facts.add("visits", pid, facts.new_customer(), rng.choice(days), True)
        for _ in range(rng.randint(0, 2) if customers else 0):
            facts.add("visits", pid, rng.choice(customers), rng.choice(days), False)
        for _ in range(scaled(rng, 2.5, share) if customers else 0):
            facts.add("surveys", pid, rng.choice(customers), rng.choice(days), survey_score(rng, profile.satisfaction))


def leads(
    rng: random.Random, facts: Facts, person: Person, days: list[dt.date], share: float,
    customers: list[str],
) -> None:
    """A month's leads; a converted lead becomes a small contract with a new customer."""
    pid = person.person_id
    chance = person.profile.conversion * rng.triangular(0.75, 1.25)
    last_day = min(YEAR_END, person.left_on or YEAR_END)
    for _ in range(scaled(rng, 22, share)):
        created = rng.choice(days)
        # Most leads convert within days; about a third in the following month.
        converted = created + dt.timedelta(days=int(rng.triangular(1, 30, 3)))
        if rng.random() < chance and converted <= last_day:
            customer = facts.new_customer()
            customers.append(customer)
            facts.add("leads", pid, created, converted, "converted")
            facts.add("contracts", pid, customer, converted, rng.randint(20, 160) * 100_000)
        else:
            still_open = (YEAR_END - created).days < 45 and person.left_on is None
            facts.add("leads", pid, created, None, "open" if still_open else "lost")


def key_account_facts(rng: random.Random, facts: Facts, person: Person) -> None:
    pid, profile = person.person_id, person.profile
    portfolio: list[str] = []
    # Customers signed in 2025: their 2026 contracts are repeats, not new customers.
    history = employed_workdays(person, dt.date(YEAR - 1, 1, 1), dt.date(YEAR - 1, 12, 31))
    for _ in range(rng.randint(4, 7)):
        customer = facts.new_customer()
        portfolio.append(customer)
        for _ in range(rng.randint(1, 2)):
            facts.add("contracts", pid, customer, rng.choice(history), rng.randint(10, 120) * 1_000_000)
    for quarter in range(1, 5):
        first, _ = month_span(YEAR, 3 * quarter - 2)
        _, last = month_span(YEAR, 3 * quarter)
        days = employed_workdays(person, first, last)
        if not days:
            continue
        signed_before = list(portfolio)
        big, small = rng.choice(profile.new_key_customers), rng.choice((0, 1, 1, 2))
        for n in range(big + small):
            customer = facts.new_customer()
            portfolio.append(customer)
            yuan = rng.randint(50, 120) * 10_000 if n < big else rng.randint(8, 45) * 10_000
            yuan += rng.randint(0, 9) * 1000
            if (pid, quarter) == BOUNDARY_CUSTOMER and n == 0:
                yuan = 500_000
            facts.add("contracts", pid, customer, rng.choice(days), yuan * 100)
        for _ in range(rng.randint(1, 3)):
            facts.add("contracts", pid, rng.choice(signed_before), rng.choice(days), rng.randint(10, 60) * 1_000_000)
    for month, days, share in months(person):
        for _ in range(scaled(rng, 4, share)):
            milestone(rng, facts, person, rng.choice(days))
        money_flow(rng, facts, person, days, int(rng.randint(40, 120) * 1_000_000 * share), month)
        for _ in range(scaled(rng, 8, share)):
            new = rng.random() < 0.6
            customer = facts.new_customer() if new else rng.choice(portfolio)
            facts.add("visits", pid, customer, rng.choice(days), new)
        for _ in range(scaled(rng, 3, share) if profile.surveys else 0):
            facts.add("surveys", pid, rng.choice(portfolio), rng.choice(days), survey_score(rng, profile.satisfaction))


def milestone(rng: random.Random, facts: Facts, person: Person, due: dt.date) -> None:
    """On time, late, or not completed (also when completion would fall after leaving or the export)."""
    if rng.random() < person.profile.on_time:
        completed = due - dt.timedelta(days=rng.randint(0, 7))
    elif rng.random() < 0.7:
        completed = due + dt.timedelta(days=rng.randint(1, 20))
    else:
        completed = None
    if completed and (completed > EXPORTED_ON or (person.left_on and completed > person.left_on)):
        completed = None
    facts.add("milestones", person.person_id, due, completed)


def customer_success_facts(rng: random.Random, facts: Facts, person: Person) -> None:
    pid, profile = person.person_id, person.profile
    portfolio = [facts.new_customer() for _ in range(rng.randint(28, 40))]
    for month, days, share in months(person):
        renewal_chance = min(1.0, profile.renewal * rng.triangular(0.9, 1.1))
        for _ in range(scaled(rng, 7, share)):
            facts.add("renewals", pid, rng.choice(portfolio), rng.choice(days), rng.random() < renewal_chance)
        for _ in range(scaled(rng, 10, share)):
            facts.add("surveys", pid, rng.choice(portfolio), rng.choice(days), survey_score(rng, profile.satisfaction))
        for _ in range(scaled(rng, profile.health_checks, share)):
            facts.add("visits", pid, rng.choice(portfolio), rng.choice(days), False)
        for _ in range(rng.randint(0, 1)):
            facts.add("visits", pid, facts.new_customer(), rng.choice(days), True)
        money_flow(rng, facts, person, days, int(rng.randint(10, 40) * 1_000_000 * share), month)


ROLE_FACTS = {
    "telesales": telesales_facts,
    "senior_telesales": telesales_facts,
    "key_account_manager": key_account_facts,
    "customer_success_manager": customer_success_facts,
}


def generate_facts(rng: random.Random, people: list[Person]) -> Facts:
    """Every person's facts in roster order, then three calls credited to an unknown person."""
    facts = Facts()
    for person in people:
        if person.role in ROLE_FACTS:
            ROLE_FACTS[person.role](rng, facts, person)
    # Credited to nobody in the roster, so the engine's unknown-person report has work.
    for day, clock, duration in ((10, (10, 15, 0), 95), (10, (14, 2, 31), 0), (11, (9, 40, 12), 241)):
        facts.add("calls", UNKNOWN_PERSON, dt.datetime(YEAR, 3, day, *clock), duration)
    return facts
