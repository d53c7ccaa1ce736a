"""The closed vocabularies of the language: period units, cadences, rounding modes, types."""

from __future__ import annotations

PERIODS = ("month", "quarter", "half", "year")
PERIOD_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
REVIEWS = ("daily", "weekly", "biweekly", "semimonthly", "monthly", "quarterly")
#: the review cadences of a month or longer, in months (the others review within a month)
REVIEW_MONTHS = {"monthly": 1, "quarterly": 3}
ROUNDING_MODES = ("half_up", "half_even", "half_down", "up", "down", "ceiling", "floor")
COLUMN_TYPES = ("string", "integer", "decimal", "money", "date", "timestamp", "boolean")
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
BINDINGS = {
    "dataset": {"person": True, "key": False, "date": False},
    "roster": {
        "id": True, "name": False, "role": False, "team": False, "manager": False,
        "hire_date": False, "leave_date": False,
    },
    "targets": {"person": True, "period": True},
    "adjustments": {"person": True, "period": True, "amount": True, "reason": True, "approver": False},
}
DATE_BINDINGS = {"date", "hire_date", "leave_date"}
#: the column types a required binding can name, and a column to declare for it when none fits
REQUIRED_BINDING_COLUMNS = {
    "person": (("string", "integer"), "person_id string"),
    "id": (("string", "integer"), "person_id string"),
    "period": (("string", "date", "timestamp"), "period string"),
    "amount": (("money", "decimal", "integer"), "amount money"),
    "reason": (("string",), "reason string"),
}


def is_time_zone(name: str) -> bool:
    """Whether name is an IANA time zone ("Asia/Shanghai", "UTC"): not empty, and not a
    region of the database ("Asia" is a folder, which zoneinfo reports as an OSError)."""
    import zoneinfo

    if not name.strip():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
