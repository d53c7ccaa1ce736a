"""The resolved scheme as JSON or TOML for other tools, and its JSON Schema."""

from __future__ import annotations

import json
from typing import Any

import tomli_w

from kpirules import __version__
from kpirules.model.scheme import Scheme


def scheme_dict(scheme: Scheme) -> dict[str, Any]:
    data = scheme.model_dump(mode="json")
    # A KPI without a period of its own is assessed over the scheme's: say which.
    for role in data["roles"].values():
        for kpi in role["kpis"]:
            if kpi["period"] is None:
                kpi["period"] = data["header"]["period"]
    return {"kpirules_version": __version__, "scheme": data}


def export_json(scheme: Scheme) -> str:
    return json.dumps(scheme_dict(scheme), ensure_ascii=False, indent=2)


def _drop_none(value: Any) -> Any:
    """TOML has no null: leave out absent values."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value if v is not None]
    return value


def export_toml(scheme: Scheme) -> str:
    return tomli_w.dumps(_drop_none(scheme_dict(scheme)))


def scheme_json_schema() -> dict[str, Any]:
    schema = Scheme.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "kpirules resolved scheme",
        "type": "object",
        "properties": {"kpirules_version": {"type": "string"}, "scheme": {"$ref": "#/$defs/Scheme"}},
        "required": ["kpirules_version", "scheme"],
        "$defs": {**schema.pop("$defs", {}), "Scheme": schema},
    }
