"""The `jiandaoyun` source: one Jiandaoyun (简道云) form's records.

    [env.prod.datasets.contracts]
    source = "jiandaoyun"
    pages = "exports/contracts"            # data-list answers saved as *.json, plus widgets.json
    fields = { contract_id = "合同编号", owner_id = "负责销售", signed_on = "签约日期", amount = "合同金额" }

    [env.live.datasets.contracts]
    source = "jiandaoyun"
    app_id = "59264073a2a60c0c08e20bfb"
    entry_id = "59264073a2a60c0c08e20bfd"
    api_key_env = "JIANDAOYUN_API_KEY"
    fields = { contract_id = "合同编号", owner_id = "负责销售", signed_on = "签约日期", amount = "合同金额" }

Records key their values by widget (`_widget_1529400746031`, or the field's alias); the
form's widget list maps them to titles, so `fields` can name a field by its title (标题),
alias or widget ID. Values become text by the field's type (see `values`). See the
package README for every option.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pyarrow as pa
from pydantic import Field, model_validator

from kpirules.config import locate_key
from kpirules.errors import ConfigError, DataError, DataLocation, Diagnostic
from kpirules.sources.base import Position, Source, SourceOptions, read_secret
from kpirules_jiandaoyun import api
from kpirules_jiandaoyun.form import Form, FormError, FormField
from kpirules_jiandaoyun.values import as_text

WIDGETS_FILE = "widgets.json"
DEFAULT_BASE_URL = "https://api.jiandaoyun.com"


class JiandaoyunOptions(SourceOptions):
    #: saved answers: a folder of data-list pages (*.json, in name order) and the widget list
    pages: Path | None = None
    widgets: Path | None = None
    #: live: the form (开放平台 > 参数说明) and the environment variable holding an API key
    app_id: str | None = None
    entry_id: str | None = None
    api_key_env: str | None = None
    base_url: str = DEFAULT_BASE_URL
    page_size: int = Field(default=100, ge=1, le=100)
    timeout_seconds: float = Field(default=60, gt=0)
    #: live: a data filter passed to the API as documented ({"rel": "and", "cond": [...]})
    filter: dict[str, Any] | None = None
    #: declared column -> field (title, "子表单.字段", alias or widget ID, or a system field)
    fields: dict[str, str] = {}
    #: a subform (title, alias or widget ID) whose rows become the dataset's rows
    flatten: str | None = None
    members: Literal["username", "name"] = "username"
    departments: Literal["dept_no", "name"] = "dept_no"

    @model_validator(mode="after")
    def _one_way_in(self) -> JiandaoyunOptions:
        live = [k for k in ("app_id", "entry_id", "api_key_env") if getattr(self, k) is not None]
        if (self.pages is None) == (not live):
            raise ValueError("set either `pages` (saved data-list answers) or `app_id`, `entry_id` and "
                             "`api_key_env` (read the form over the API)")
        if live and len(live) < 3:
            missing = [k for k in ("app_id", "entry_id", "api_key_env") if k not in live]
            raise ValueError(f"reading over the API needs {' and '.join(f'`{k}`' for k in missing)}")
        if live and self.widgets is not None:
            raise ValueError("`widgets` belongs with `pages`; over the API the widget list is asked for")
        if not live and (self.filter is not None or self.base_url != DEFAULT_BASE_URL):
            raise ValueError("`filter` and `base_url` belong with `app_id`, not with `pages`")
        if api.insecure(self.base_url):
            raise ValueError("`base_url` must start with https:// (plain http only for this machine)")
        return self


class JiandaoyunSource(Source):
    """Reads one Jiandaoyun form's records."""

    name = "jiandaoyun"
    Options = JiandaoyunOptions
    options: JiandaoyunOptions

    def read(self):
        self._check_declared()
        self.form, records, self.how = self._live() if self.options.app_id else self._saved()
        self.position = Position("line", None)  # rows have numbers, not lines
        return self._table(records)

    def columns(self) -> list[str] | None:
        form = getattr(self, "form", None)
        return form.names(self._subform(form)) if form else None

    @property
    def locator(self) -> str:
        if self.options.app_id:
            return f"form {self.options.entry_id}"
        return self.display(self.resolve(self.options.pages))

    def describe(self) -> str:
        how = getattr(self, "how", "")
        return f"Jiandaoyun {self.locator}" + (f" ({how})" if how else "")

    # ------------------------------------------------------------------ reading

    def _live(self) -> tuple[Form, list[dict], str]:
        opts = self.options
        key = read_secret(env=opts.api_key_env, what="api_key", config_key=self.context.config_key,
                          config_dir=self.context.config_dir).get_secret_value()
        client = api.Client(opts.base_url, key, opts.api_key_env, opts.timeout_seconds)
        try:
            form = self._form(client.widgets(opts.app_id, opts.entry_id), f"POST {api.WIDGETS_PATH}")
            pages = list(client.records(opts.app_id, opts.entry_id, opts.page_size, opts.filter))
        except api.ApiError as exc:
            raise self.error("E640", str(exc), exc.help) from None
        records = [r for page in pages for r in page]
        self._check_unique(records, [f"page {i}" for i, page in enumerate(pages, 1) for _ in page])
        return form, records, f"open API, {len(records)} records in {len(pages)} pages"

    def _saved(self) -> tuple[Form, list[dict], str]:
        folder = self.resolve(self.options.pages)
        if not folder.is_dir():
            raise self.error("E640", f"{self.display(folder)} is not a folder",
                             "point `pages` at the folder holding the saved data-list answers (*.json)")
        widgets = self._widget_list(folder)
        form = self._form(self._load(widgets), self.display(widgets))
        files = sorted((p for p in folder.glob("*.json") if p.resolve() != widgets.resolve()), key=_natural)
        if not files:
            raise self.error("E640", f"{self.display(folder)} holds no data-list answers (*.json)",
                             "save each page the data list API answers as a .json file in this folder")
        records, origins = [], []
        for path in files:
            doc = self._load(path)
            page = doc.get("data") if isinstance(doc, dict) else None
            if not isinstance(page, list) or not all(isinstance(r, dict) for r in page):
                raise self.error("E640", f"{self.display(path)} is not a data-list answer: a JSON object "
                                 "whose `data` is an array of records",
                                 "save the answer of POST /api/v5/app/entry/data/list as it came")
            records += page
            origins += [self.display(path)] * len(page)
        self._check_unique(records, origins)
        return form, records, f"saved answers, {len(records)} records in {len(files)} pages"

    def _widget_list(self, folder: Path) -> Path:
        """The saved widget list: `widgets`, else widgets.json in `pages` (messages name the option to fix)."""
        key = self.context.config_key
        if self.options.widgets:
            path = self.resolve(self.options.widgets)
            help = (f"check `widgets` in [{key}] (relative paths start at the config file's folder), or leave "
                    f"it out to read {WIDGETS_FILE} in the `pages` folder")
        else:
            path = folder / WIDGETS_FILE
            if not any(folder.glob("*.json")):
                raise self.error("E640", f"{self.display(folder)} holds no saved answers (*.json)",
                                 f"save the widget list as {WIDGETS_FILE} and each data-list page as a .json file "
                                 f"in this folder, or point `pages` in [{key}] at the folder that holds them")
            help = (f"save the answer of POST {api.WIDGETS_PATH} as {WIDGETS_FILE} in the `pages` folder, "
                    f"or point `widgets` in [{key}] at the file that holds it")
        if path.is_dir():
            raise self.error("E640", f"{self.display(path)} is a directory, not a file", help)
        if not path.exists():
            raise self.error("E640", f"file not found: {self.display(path)}", help)
        return path

    def _load(self, path: Path) -> Any:
        try:
            return json.loads(path.read_bytes().decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise self.error("E640", f"{self.display(path)} is not UTF-8 text ({exc.reason})",
                             "save the API's answer as it came (UTF-8 JSON)") from None
        except json.JSONDecodeError as exc:
            raise self.error("E640", f"{self.display(path)} is not valid JSON: {exc.msg} (line {exc.lineno}, "
                             f"column {exc.colno})", "save the API's answer again; the file is cut or edited") from None

    def _form(self, doc: Any, where: str) -> Form:
        try:
            return Form.from_widgets(doc)
        except FormError as exc:
            raise self.error("E640", f"{where}: {exc}",
                             "save the answer of POST /api/v5/app/entry/widget/list as it came") from None

    def _check_unique(self, records: list[dict], origins: list[str]) -> None:
        seen: dict[str, str] = {}
        for record, origin in zip(records, origins, strict=True):
            data_id = record.get("_id")
            if data_id in seen:
                raise self.error("E640", f"record {data_id} comes twice: in {seen[data_id]} and in {origin}",
                                 "a page was saved twice, or the cursor (data_id) of a page was wrong: save "
                                 "the pages again, each asked for with the last _id of the one before")
            if data_id is not None:
                seen[data_id] = origin

    # ------------------------------------------------------------------ records to declared columns

    def _check_declared(self) -> None:
        """`fields` maps declared columns: a configuration error (E603, at its line) otherwise,
        found before anything is read."""
        declared = self.context.dataset.columns
        key_path = f"{self.context.config_key}.fields"
        where = locate_key(self.context.config_path, key_path) if self.context.config_path else None
        problems = [Diagnostic("E603", f"{key_path} maps '{k}', which dataset {self.context.dataset.id} does not "
                               "declare", where, help=f"declared columns: {', '.join(declared)}")
                    for k in self.options.fields if k not in declared]
        if problems:
            raise ConfigError(problems)

    def _subform(self, form: Form) -> FormField | None:
        if not self.options.flatten:
            return None
        found = form.subform(self.options.flatten)
        if found is None:
            subforms = [f.label for f in form.fields if f.type == "subform"]
            raise DataError(self._problem(None, f"flatten names '{self.options.flatten}', which is not a "
                                          "subform of the form", f"its subforms: {', '.join(subforms) or 'none'}"))
        return found

    def _table(self, records: list[dict]) -> pa.Table:
        form = self.form
        subform = self._subform(form)
        wanted = self.wanted_columns()
        problems: list[Diagnostic] = []
        chosen: dict[str, FormField] = {}
        days: set[str] = set()  # the columns declared `date`
        for declared, source_name in wanted.items():
            mapped = self.options.fields.get(declared)
            if mapped and source_name != declared:
                problems.append(self._problem(declared, f"column {declared} is mapped by both `fields` and "
                                              "`rename`", "keep one of the two"))
                continue
            try:
                found = form.find(mapped or source_name, subform)
            except LookupError as exc:
                problems.append(self._problem(declared, f"fields.{declared}: {exc}",
                                              "name the field by its widget ID (_widget_...) or \"子表单.字段\""))
                continue
            if found is None:
                inner = form.in_other_subform(mapped, subform) if mapped else None
                if inner is not None:
                    flattened = f" (flatten names {subform.label}; one subform can be flattened)" if subform else ""
                    problems.append(self._problem(
                        declared, f"fields.{declared} names '{mapped}', a field of the subform (子表单) "
                        f"{inner.parent.label}, which is read only when flattened{flattened}",
                        f"set flatten = \"{inner.parent.label}\" to read one row per subform row, or map "
                        f"the column to a field of the form itself"))
                    continue
                if mapped:
                    hint = form.did_you_mean(mapped, subform)
                    problems.append(self._problem(declared, f"fields.{declared} names '{mapped}', which the "
                                                  "form has no field for", f"did you mean '{hint}'?" if hint
                                                  else f"the form's fields: {', '.join(form.names(subform)[:30])}"))
                continue  # not mapped: the loader reports it, with its own did-you-mean
            if found.type == "subform":
                problems.append(self._problem(declared, f"{found.label} is a subform (子表单): its rows are not "
                                              "one value", f"set flatten = \"{found.label}\" to read one row per "
                                              "subform row, and map its fields as \"子表单.字段\""))
                continue
            chosen[source_name] = found
            if self.context.dataset.columns[declared].type == "date":
                days.add(source_name)
        if problems:
            raise DataError(problems)
        rows = _rows(records, subform)
        opts = self.options
        # a date field (签约日期) is kept as the moment midnight of the day entered is, in UTC: with
        # `timezone` (the zone the form's users enter dates in), a date column takes the day there
        zone = ZoneInfo(opts.timezone) if opts.timezone else None
        return pa.table({
            name: pa.array([_day_in(text, zone) if zone is not None and name in days else text
                            for text in (as_text((sub if f.parent else record).get(f.name), f.type,
                                                 members=opts.members, departments=opts.departments)
                                         for record, sub in rows)], pa.string())
            for name, f in chosen.items()
        })

    def _problem(self, column: str | None, message: str, help: str) -> Diagnostic:
        return Diagnostic("E642", message, DataLocation(self.context.dataset.id, self.locator, column=column), help)


def _day_in(text: str | None, zone) -> str | None:
    """An API moment (`2026-02-28T16:00:00.000Z`) as its day in `zone` (`2026-03-01` in
    Asia/Shanghai); any other text as it is, for the loader to read or report."""
    if text is None or not text.endswith("Z"):
        return text
    try:
        moment = dt.datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError:
        return text
    return moment.astimezone(zone).date().isoformat()


def _rows(records: list[dict], subform: FormField | None) -> list[tuple[dict, dict]]:
    """(record, subform row) pairs: one per record, or one per subform row when flattening.

    A record whose subform is empty still gives one row, its subform fields empty, so no
    record is lost: count_distinct of its ID counts every record (a plain count counts rows).
    """
    if subform is None:
        return [(r, {}) for r in records]
    rows = []
    for record in records:
        inner = record.get(subform.name)
        inner = [s for s in inner if isinstance(s, dict)] if isinstance(inner, list) else []
        rows += [(record, s) for s in inner] or [(record, {})]
    return rows


def _natural(path: Path) -> list:
    """page-2.json before page-10.json."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]
