"""A Jiandaoyun form's fields, from the widget list API's answer, and finding one by name.

Records key their values by each widget's `name`: the field's alias (字段别名) when one is
set, else its widget ID (`_widget_1529400746031`); `widgetName` is always the widget ID and
`label` the title people see (字段标题). A subform (子表单) widget lists its own fields in
`items`. System fields (`creator`, `createTime`, ...) are not in `widgets`; they are added
here with the titles the Jiandaoyun UI gives them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

#: system fields every record may carry: name -> (label, type)
SYSTEM_FIELDS = {
    "_id": ("数据ID", "text"),
    "appId": ("应用ID", "text"),
    "entryId": ("表单ID", "text"),
    "creator": ("提交人", "user"),
    "updater": ("修改人", "user"),
    "createTime": ("提交时间", "datetime"),
    "updateTime": ("修改时间", "datetime"),
    "flowState": ("流程状态", "number"),
}


class FormError(ValueError):
    """The widget list is not what the API answers; the message says why."""


@dataclass
class FormField:
    name: str
    label: str
    type: str
    widget_id: str
    items: list[FormField] = field(default_factory=list)
    #: for a subform's field: the subform it belongs to
    parent: FormField | None = None

    @property
    def qualified(self) -> str:
        return f"{self.parent.label}.{self.label}" if self.parent else self.label

    def shown(self) -> str:
        same = self.widget_id == self.name
        return f"{self.qualified} ({self.name})" if same else f"{self.qualified} ({self.name}, {self.widget_id})"


@dataclass
class Form:
    fields: list[FormField]

    @classmethod
    def from_widgets(cls, doc: Any) -> Form:
        if not isinstance(doc, dict) or not isinstance(doc.get("widgets"), list):
            raise FormError("this is not a widget list: a JSON object with a `widgets` array")
        fields = [_field(w) for w in doc["widgets"]]
        names = {f.name for f in fields}
        fields += [FormField(name, label, kind, name) for name, (label, kind) in SYSTEM_FIELDS.items()
                   if name not in names]
        return cls(fields)

    def all_fields(self) -> list[FormField]:
        return [f for top in self.fields for f in (top, *top.items)]

    def find(self, wanted: str, subform: FormField | None) -> FormField | None:
        """The field `wanted` names: "子表单.字段", a name or widget ID, then a title (then ignoring case).

        Fields of subforms other than `subform` (the flattened one) are not candidates.
        Raises LookupError when a title names more than one field.
        """
        top = self.fields
        inner = subform.items if subform else []
        candidates = top + inner
        tests = [
            lambda f: f.parent is not None and f.qualified == wanted,
            lambda f: f.parent is None and wanted in (f.name, f.widget_id),
            lambda f: f.parent is not None and wanted in (f.name, f.widget_id),
            lambda f: f.label == wanted,
            lambda f: f.label.casefold() == wanted.casefold() or f.name.casefold() == wanted.casefold(),
        ]
        for test in tests:
            found = [f for f in candidates if test(f)]
            if len(found) > 1:
                raise LookupError(f"'{wanted}' names {len(found)} fields: " + ", ".join(f.shown() for f in found))
            if found:
                return found[0]
        return None

    def in_other_subform(self, wanted: str, subform: FormField | None) -> FormField | None:
        """The field of a subform other than `subform` that `wanted` names ("子表单.字段", a
        name, widget ID or title), for saying it needs flattening; None when there is none."""
        inner = [f for top in self.fields if top.type == "subform" and top is not subform for f in top.items]
        for test in (lambda f: f.qualified == wanted, lambda f: wanted in (f.name, f.widget_id),
                     lambda f: f.label == wanted):
            found = [f for f in inner if test(f)]
            if found:
                return found[0]
        return None

    def subform(self, wanted: str) -> FormField | None:
        found = [f for f in self.fields if f.type == "subform" and wanted in (f.name, f.widget_id, f.label)]
        return found[0] if len(found) == 1 else None

    def names(self, subform: FormField | None) -> list[str]:
        """Every title a field can be found by, for messages (the flattened subform's fields qualified)."""
        inner = subform.items if subform else []
        return [f.label for f in self.fields] + [f.qualified for f in inner]

    def did_you_mean(self, wanted: str, subform: FormField | None) -> str | None:
        names = self.names(subform) + [f.name for f in self.fields]
        match = difflib.get_close_matches(wanted, names, n=1, cutoff=0.5)
        return match[0] if match else None


def _field(widget: Any, parent: FormField | None = None) -> FormField:
    if not isinstance(widget, dict) or not isinstance(widget.get("name"), str):
        raise FormError(f"a widget without a name: {str(widget)[:80]}")
    name = widget["name"]
    made = FormField(name=name, label=str(widget.get("label") or name), type=str(widget.get("type") or ""),
                     widget_id=str(widget.get("widgetName") or name), parent=parent)
    made.items = [_field(item, made) for item in widget.get("items") or []]
    return made
