"""The sample company's people: roster, behaviour profiles, quarterly targets, adjustments.

About 60 people in six teams under one head of sales. Person ids follow the layout, so
the notable people (far above target, below a floor, the new hires, the leavers, ...)
keep their ids whatever the seed; names, hire dates and everyday behaviour come from it.
`data/sample/README.md` lists the notable people.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace

YEAR = 2026
# The data is an export taken just after the year closed: later events are not in it.
EXPORTED_ON = dt.date(2027, 1, 5)
UNKNOWN_PERSON = "P999"
HEAD_TEAM = "销售部"

# Team, region (None: each member has their own) and members by role, in id order.
LAYOUT: tuple[tuple[str, str | None, tuple[tuple[str, int], ...]], ...] = (
    ("华东一组", "华东", (("telesales", 7), ("senior_telesales", 2))),
    ("华东二组", "华东", (("telesales", 7), ("senior_telesales", 2))),
    ("华南组", "华南", (("telesales", 7), ("senior_telesales", 2))),
    ("华北组", "华北", (("telesales", 7), ("senior_telesales", 2))),
    ("大客户部", None, (("key_account_manager", 9),)),
    ("客户成功部", None, (("customer_success_manager", 8),)),
)
REGIONS = ("华东", "华南", "华北")

# Fixed dates of the notable people: (hired_on, left_on).
NEW_HIRES = {"P019": dt.date(2026, 6, 15), "P060": dt.date(2026, 10, 8)}
LEAVERS = {"P015": dt.date(2026, 6, 12), "P051": dt.date(2026, 9, 30)}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红鹏飞斌宇浩凯婷雪琳晨欣悦博文辉建国志海峰倩颖佳怡晓思雨嘉子睿轩泽航昊晗"


@dataclass(frozen=True)
class Profile:
    """How a person behaves in the sample: the means their monthly facts are drawn around."""

    calls: int = 0  # outbound calls in a full month
    conversion: float = 0.0  # chance that a lead converts
    collection: float = 0.95  # cash received over amounts invoiced, before monthly noise
    satisfaction: float = 0.9  # chance that a survey answer scores 4 or 5
    renewal: float = 0.85  # chance that a renewal due is renewed
    on_time: float = 0.85  # chance that a milestone is completed by its due date
    health_checks: int = 0  # check-in visits in a full month
    new_key_customers: tuple[int, ...] = (1, 2, 2, 3)  # new >= 50万 customers a quarter, one drawn
    surveys: bool = True  # False: no customer ever answers a survey about this person


# The notable people's behaviour, over what their role's draw gives them.
NOTABLE = {
    "P004": {"calls": 310, "conversion": 0.24},  # far above the call target
    "P007": {"calls": 100},  # below the 60% floor every month
    "P010": {"calls": 340},  # senior, far above the 240 target
    "P027": {"collection": 0.72},  # collection gate often fails
    "P030": {"collection": 1.05},  # collects more than invoiced (catching up)
    "P036": {"conversion": 0.07},  # low lead conversion
    "P043": {"new_key_customers": (3, 4), "satisfaction": 0.97},  # star key-account manager
    "P047": {"new_key_customers": (0, 0, 1), "on_time": 0.6},  # weak key-account manager
    "P049": {"surveys": False},  # no surveys at all
    "P054": {"satisfaction": 0.99},
    "P055": {"renewal": 0.64},  # renewal gate fails in some months
}


@dataclass(frozen=True)
class Person:
    """One row of the roster, with the profile the facts are drawn from."""

    person_id: str
    name: str
    role: str
    team: str
    manager_id: str | None
    level: str
    region: str
    hired_on: dt.date
    left_on: dt.date | None
    target_incentive: int | None  # cents
    profile: Profile = field(default_factory=Profile)


def random_date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def chinese_name(rng: random.Random, taken: set[str]) -> str:
    """A two- or three-character Chinese name not used yet."""
    while True:
        given = "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        name = rng.choice(SURNAMES) + given
        if name not in taken:
            taken.add(name)
            return name


def draw_profile(rng: random.Random, role: str) -> Profile:
    """A role's everyday behaviour, drawn around the role's typical values."""
    tri = rng.triangular
    calls = {"telesales": tri(185, 240, 205), "senior_telesales": tri(225, 285, 245)}.get(role, 0)
    return Profile(
        calls=int(calls + 0.5),
        conversion=tri(0.10, 0.21, 0.15) if "telesales" in role else 0.0,
        collection=tri(0.84, 1.03, 0.96),
        satisfaction=tri(0.80, 0.98, 0.92),
        renewal=tri(0.76, 0.96, 0.87),
        on_time=tri(0.72, 0.97, 0.88),
        health_checks=int(tri(18, 27, 22) + 0.5) if role == "customer_success_manager" else 0,
    )


# Per role: the hire-date window, levels to choose from, and the monthly target
# incentive in yuan as (low, high) in steps of 500 (None: the role's plan sets it).
ROLE_FACTS = {
    "head": ((dt.date(2012, 1, 1), dt.date(2016, 12, 31)), ("director",), (24000, 28000)),
    "sales_manager": ((dt.date(2014, 1, 1), dt.date(2021, 12, 31)), ("manager",), (12000, 18000)),
    "telesales": ((dt.date(2020, 1, 1), dt.date(2025, 6, 30)), ("junior", "intermediate"), None),
    "senior_telesales": ((dt.date(2016, 1, 1), dt.date(2023, 12, 31)), ("senior",), None),
    "key_account_manager": ((dt.date(2015, 1, 1), dt.date(2023, 12, 31)), ("senior", "senior", "lead"), (8000, 15000)),
    "customer_success_manager": ((dt.date(2018, 1, 1), dt.date(2025, 6, 30)), ("junior", "intermediate", "senior"), None),
}


def make_person(
    rng: random.Random, taken: set[str], number: int, role: str, team: str,
    manager_id: str | None, region: str | None, kind: str,
) -> Person:
    person_id = f"P{number:03d}"
    window, levels, incentive = ROLE_FACTS[kind]
    name = chinese_name(rng, taken)
    hired_on = random_date(rng, *window)
    level = rng.choice(levels)
    region = region or rng.choice(REGIONS)
    target_incentive = rng.randrange(incentive[0], incentive[1] + 1, 500) * 100 if incentive else None
    profile = replace(draw_profile(rng, role), **NOTABLE.get(person_id, {}))
    return Person(
        person_id, name, role, team, manager_id, level, region,
        NEW_HIRES.get(person_id, hired_on), LEAVERS.get(person_id), target_incentive, profile,
    )


def build_roster(rng: random.Random) -> list[Person]:
    """The head of sales, then each team's manager (reporting to the head) and members."""
    taken: set[str] = set()
    people = [make_person(rng, taken, 1, "sales_manager", HEAD_TEAM, None, "全国", "head")]
    head = people[0].person_id
    for team, region, members in LAYOUT:
        manager = make_person(
            rng, taken, len(people) + 1, "sales_manager", team, head, region or "全国", "sales_manager",
        )
        people.append(manager)
        for role, count in members:
            for _ in range(count):
                people.append(make_person(
                    rng, taken, len(people) + 1, role, team, manager.person_id, region, role,
                ))
    return people


def employed_between(person: Person, first: dt.date, last: dt.date) -> bool:
    return person.hired_on <= last and (person.left_on is None or person.left_on >= first)


def quarterly_targets(rng: random.Random, people: list[Person]) -> list[tuple]:
    """A contract-amount target per key-account manager and quarter employed: 150万-300万."""
    rows = []
    for person in people:
        if person.role != "key_account_manager":
            continue
        for quarter in range(1, 5):
            first = dt.date(YEAR, 3 * quarter - 2, 1)
            last = dt.date(YEAR + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
            amount = rng.randint(15, 30) * 100_000 * 100
            if employed_between(person, first, last):
                rows.append((person.person_id, f"{YEAR}Q{quarter}", amount))
    return rows


# Approved manual corrections: (person, period, cents, reason, approver).
ADJUSTMENTS = (
    ("P004", "2026-03", 150_000, "2月外呼系统故障漏记通话记录，补发奖金", "P001"),
    ("P043", "2026-06", -500_000, "客户退款，追回已发提成", "P001"),
    ("P055", "2026-11", 80_000, "续约数据延迟入账，经复核补发", "P052"),
)
