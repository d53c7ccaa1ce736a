"""A Jiandaoyun field value as text the kpirules loader converts, by the field's type.

The shapes are those of the open API's "字段与数据类型对照表" (field and data type table):

| type | the API gives | kpirules reads |
|---|---|---|
| text, textarea, sn, radiogroup, combo, lookup | "张三" | the text |
| number, aggregation | 10 (or a text) | the number, exactly |
| datetime, createTime, updateTime | "2018-01-01T10:10:10.000Z" (UTC) | as given; the loader converts it to the scheme's time zone |
| checkboxgroup, combocheck | ["选项1", "选项2"] | a JSON array |
| user, creator, updater | {"name": "小简", "username": "xiaojian", ...} | the username (成员编号), or the name with `members = "name"` |
| usergroup | [user, ...] | a JSON array of usernames (or names) |
| dept | {"name": "经理部", "dept_no": 1, ...} | the dept_no as text, or the name with `departments = "name"` |
| deptgroup | [dept, ...] | a JSON array of them |
| address, location | {"province", "city", "district", "detail"} | the four joined: 江苏省无锡市梁溪区清扬路138号 |
| phone | {"phone": "13566666666", "verified": true} | the phone number |
| linkdata | {"id": "5b23..."} | the linked record's ID |
| image, upload, signature | [{"name", "size", "mime", "url"}] | the file names as a JSON array (urls expire) |
| richtext | {"html": "<p>...</p>", "attachments": [...]} | the HTML |

Empty texts, empty arrays and absent fields are no value. Subforms are rows, not values:
see `flatten` in the source.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

ADDRESS_PARTS = ("province", "city", "district", "detail")


def as_text(value: Any, kind: str, *, members: str = "username", departments: str = "dept_no") -> str | None:
    if value is None or value == "" or value == []:
        return None
    if kind in ("user", "usergroup"):
        return _many(value, lambda v: _member(v, members))
    if kind in ("dept", "deptgroup"):
        return _many(value, lambda v: _dept(v, departments))
    if kind in ("address", "location") and isinstance(value, dict):
        return "".join(str(value.get(part) or "") for part in ADDRESS_PARTS) or None
    if kind == "phone" and isinstance(value, dict):
        return _scalar(value.get("phone"))
    if kind == "linkdata" and isinstance(value, dict):
        return _scalar(value.get("id"))
    if kind in ("image", "upload", "signature"):
        files = value if isinstance(value, list) else [value]
        return json.dumps([f.get("name") if isinstance(f, dict) else f for f in files], ensure_ascii=False)
    if kind == "richtext" and isinstance(value, dict):
        return _scalar(value.get("html"))
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return _scalar(value)


def _many(value: Any, one) -> str | None:
    if isinstance(value, list):
        return json.dumps([one(v) for v in value], ensure_ascii=False)
    return one(value)


def _member(value: Any, key: str) -> Any:
    return _scalar(value.get(key)) if isinstance(value, dict) else _scalar(value)


def _dept(value: Any, key: str) -> Any:
    return _scalar(value.get(key)) if isinstance(value, dict) else _scalar(value)


def _scalar(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(Decimal(repr(value)))  # the shortest exact text: 12500.5, not 12500.500000001
    return str(value)
