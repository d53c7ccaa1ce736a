"""The project configuration: kpirules.toml, or [tool.kpirules] in pyproject.toml.

    [project]
    rulesets = ["rulesets"]          # .kpi files or folders, relative to this file
    default_env = "sample"
    lang = "zh"                      # messages in Chinese (default "en")

    [env.sample.datasets.people]     # one table per dataset declared in the .kpi files
    source = "csv"                   # a registered source type (`kpirules plugins`)
    path = "data/sample/people.csv"  # the rest are that source's options

Every problem is a `ConfigError` naming the key path and the file (with its line where
the key can be found), with a did-you-mean where one is close. Credentials never sit in
the file: a source names an environment variable or a file outside the repository.
A text option may name an environment variable as `${NAME}` (a data folder that differs
between machines); a variable that is not set stops the run of that environment only.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, InstanceOf, ValidationError, field_validator

from kpirules import i18n, tomlshapes
from kpirules.defaults import defaults
from kpirules.errors import ConfigError, Diagnostic, Location
from kpirules.io import note_input
from kpirules.sources.base import SourceOptions, is_path_option, takes_text
from kpirules.tomlfile import RULESETS_EMPTY, RULESETS_EMPTY_HELP, configures_kpirules, read_config_toml, toml_key
from kpirules.tomlpositions import Positions, locate, locate_file

if TYPE_CHECKING:
    from kpirules.model.scheme import Scheme

CONFIG_NAME = "kpirules.toml"
PYPROJECT_NAME = "pyproject.toml"
#: option names that would hold a credential in the file itself
SECRET_KEYS = frozenset({
    "password", "passwd", "pwd", "token", "secret", "api_key", "apikey", "access_key",
    "secret_key", "private_key", "client_secret",
})
#: how a key that holds a credential ends (pgpassword, db_password, auth_token)
_SECRET_ENDINGS = ("password", "passwd", "secret", "token")
#: the password in a URL's user information: postgresql://reader:PASSWORD@host/db
_URL_PASSWORD = re.compile(r"(://[^:/@\s\"']+:)[^@\s\"']+@")
#: a password in a libpq connection string: host=db password=PASSWORD (or password='...')
_DSN_PASSWORD = re.compile(r"""(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'"]+)""", re.IGNORECASE)
#: a TOML key and the = after it
_KEY = re.compile(r"""(?P<key>[\w\-]+)["']?\s*=\s*""")


def is_secret_key(name: str) -> bool:
    """Whether an option's name says it holds a credential (refused in the file: E609)."""
    name = name.lower()
    return name in SECRET_KEYS or name.endswith(_SECRET_ENDINGS)


def masked(line: str) -> str:
    """A line of a configuration file as messages may show it: everything after a
    credential key's `=` (however it is quoted, triple quotes included), and a password in
    a URL or a connection string, replaced by ***."""
    for found in _KEY.finditer(line):
        if is_secret_key(found.group("key")):
            return line[:found.end()] + '"***"'
    return _DSN_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", line))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectSettings(_Strict):
    rulesets: list[str] = ["rulesets"]
    default_env: str | None = None
    #: the language of messages: "en" or "zh" (--lang and KPIRULES_LANG take precedence)
    lang: str = i18n.DEFAULT_LANG

    @field_validator("rulesets")
    @classmethod
    def _some(cls, rulesets: list[str]) -> list[str]:
        if not rulesets:  # every command would otherwise guess a folder of its own
            raise ValueError(RULESETS_EMPTY)
        return rulesets




class _EnvTable(_Strict):
    datasets: dict[str, dict[str, Any]] = {}


class _ConfigFile(_Strict):
    project: ProjectSettings = ProjectSettings()
    env: dict[str, _EnvTable] = {}
    # [lint] belongs to its command, which validates it
    lint: dict[str, Any] = {}


class Binding(_Strict):
    """Where one dataset comes from in one environment."""

    env: str
    dataset: str
    source: str
    options: InstanceOf[SourceOptions]

    @property
    def key_path(self) -> str:
        return toml_key("env", self.env, "datasets", self.dataset)


class Environment(_Strict):
    name: str
    datasets: dict[str, Binding]
    #: options naming environment variables that are not set: an error once this env is used
    unset: list[InstanceOf[Diagnostic]] = []


class ProjectConfig(_Strict):
    """A validated project configuration."""

    path: Path
    #: "tool.kpirules." when read from pyproject.toml, else ""
    key_prefix: str = ""
    project: ProjectSettings
    envs: dict[str, Environment]
    lint: dict[str, Any] = {}

    @property
    def root(self) -> Path:
        """The folder relative paths in the file start from."""
        return self.path.parent

    def ruleset_paths(self) -> list[Path]:
        """The rulesets listed under [project]; one that does not exist is E001 at that list."""
        paths = [self.root / p for p in self.project.rulesets]
        listed = "rulesets" in self.project.model_fields_set  # else the default, said where it is read
        missing = next((w for w, p in zip(self.project.rulesets, paths) if listed and not p.exists()), None)
        if missing is not None:
            raise missing_ruleset(self.path, missing)
        return paths

    def environment(self, name: str | None = None) -> Environment:
        """The named environment, else the default one, else the only one."""
        if name is not None and not name.strip():  # `--env ""` (an unset shell variable) is no choice
            raise ConfigError(Diagnostic("E606", "--env is empty: name an environment",
                                         help=f"environments: {', '.join(self.envs) or 'none'}"))
        name = name or self.project.default_env
        if name is None:
            if len(self.envs) == 1:
                return next(iter(self.envs.values()))
            if not self.envs:
                raise _error("E610", f"{_shown(self.path)} binds no datasets: it has no [env.*] table",
                             self.path, help="add [env.NAME.datasets.ID] tables, or run `kpirules init`")
            # at the [project] table, where default_env is written (pyproject.toml: [tool.kpirules])
            raise ConfigError(Diagnostic(
                "E610", f"{_shown(self.path)} has several environments and no default",
                locate_key(self.path, "tool.kpirules.project" if self.path.name == PYPROJECT_NAME else "project"),
                help=f"pass --env ({', '.join(self.envs)}) or set project.default_env"))
        if name not in self.envs:
            # default_env is checked where it is written (load); this name came from --env
            # (or a manifest's arguments), so no line of the file is to blame
            raise ConfigError(Diagnostic(
                "E606", f"no environment '{name}' in {_shown(self.path)}",
                help=_did_you_mean(name, self.envs) or f"environments: {', '.join(self.envs) or 'none'}",
            ))
        if self.envs[name].unset:
            raise ConfigError(self.envs[name].unset)
        return self.envs[name]

    def bindings(self, scheme: Scheme, env: str | None = None,
                 datasets: list[str] | None = None) -> dict[str, Binding]:
        """The binding of each dataset to load; checks the config against the scheme's declarations."""
        environment = self.environment(env)
        positions = locate_file(self.path)
        problems = []
        for ds_id, binding in environment.datasets.items():
            if ds_id not in scheme.datasets:
                hint = _did_you_mean(ds_id, scheme.datasets)
                problems.append(Diagnostic(
                    "E607", f"{self.key_prefix}{binding.key_path} binds a dataset no .kpi file declares",
                    _locate(positions, self.path, self.key_prefix, binding.key_path.split(".")),
                    help=hint or f"declared datasets: {', '.join(scheme.datasets)}",
                ))
            else:
                problems += _renames_to_nothing(binding, scheme.datasets[ds_id], positions, self.path, self.key_prefix)
        wanted = list(scheme.datasets) if datasets is None else list(datasets)
        for ds_id in wanted:
            if ds_id not in scheme.datasets:
                problems.append(Diagnostic(
                    "E607", f"no dataset '{ds_id}' is declared in the rulesets",
                    help=_did_you_mean(ds_id, scheme.datasets) or f"declared: {', '.join(scheme.datasets)}",
                ))
            elif ds_id not in environment.datasets:
                problems.append(Diagnostic(
                    "E608", f"dataset '{ds_id}' has no binding in env '{environment.name}' "
                    f"of {_shown(self.path)}",
                    _locate(positions, self.path, self.key_prefix, ["env", environment.name]),
                    help=f'add [{self.key_prefix}{toml_key("env", environment.name, "datasets", ds_id)}] with '
                    f'source = "csv" and path = "data/{ds_id}.csv" (or another source)',
                ))
        if problems:
            raise ConfigError(problems)
        return {ds_id: environment.datasets[ds_id] for ds_id in wanted}


def _renames_to_nothing(binding: Binding, dataset, positions: Positions, path: Path, prefix: str) -> list[Diagnostic]:
    """E603 for a `rename` whose target is no declared column: a misspelt target would
    otherwise rename a column to a name nothing reads, and the old name be read on."""
    out = []
    for source_name, declared in binding.options.rename.items():
        if declared not in dataset.columns:
            out.append(Diagnostic(
                "E603", f"{prefix}{binding.key_path}.rename: '{source_name}' is renamed to {declared}, "
                f"which dataset {dataset.id} does not declare",
                _locate(positions, path, prefix, [*binding.key_path.split("."), "rename"]),
                help=_did_you_mean(declared, dataset.columns) or f"declared columns: {', '.join(dataset.columns)}",
            ))
    return out


# ---------------------------------------------------------------------- finding and reading


def find_config(start: Path | None = None) -> Path | None:
    """kpirules.toml, or a pyproject.toml with [tool.kpirules], in start or its parents."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_NAME).is_file() or (candidate / CONFIG_NAME).is_dir():  # a folder: E600
            return candidate / CONFIG_NAME
        pyproject = candidate / PYPROJECT_NAME
        if pyproject.is_file() and configures_kpirules(pyproject):
            return pyproject
    return None


def load_config(path: str | Path | None = None, start: Path | None = None) -> ProjectConfig:
    """Read and validate the project configuration; raise ConfigError listing every problem."""
    if path is None:
        found = find_config(start)
        if found is None:
            where = _shown((start or Path.cwd()).resolve())
            raise ConfigError(Diagnostic(
                "E600", f"no {CONFIG_NAME} (or [tool.kpirules] in {PYPROJECT_NAME}) in {where} or its parents",
                help="run `kpirules init` to write a starter kpirules.toml",
            ))
        path = found
    path = Path(path)
    try:
        note_input(path)
        text, data = read_config_toml(path)
    except FileNotFoundError:
        raise ConfigError(Diagnostic("E600", f"config file not found: {path}", help="check the path")) from None
    except OSError as exc:
        raise ConfigError(Diagnostic("E600", f"cannot read {path}: {exc.strerror}",
                                     help="check the file's permissions")) from None
    prefix = ""
    if path.name == PYPROJECT_NAME:
        prefix = "tool.kpirules."
        data = data.get("tool", {}).get("kpirules")
        if data is None:
            raise ConfigError(Diagnostic("E600", f"{path} has no [tool.kpirules] table"))
    return _validate(data, path.resolve(), prefix, locate(text))


def _validate(data: dict, path: Path, prefix: str, positions: Positions) -> ProjectConfig:
    problems: list[Diagnostic] = []
    try:
        raw = _ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_from_pydantic(err, [], path, prefix, positions, _structure_keys, _config_items)
                           for err in exc.errors()]) from None
    envs = {}
    for env_name, table in raw.env.items():
        bindings, unset = {}, []
        for ds_id, entry in table.datasets.items():
            key = ["env", env_name, "datasets", ds_id]
            binding = _binding(env_name, ds_id, entry, key, path, prefix, positions, problems, unset)
            if binding is not None:
                bindings[ds_id] = binding
        envs[env_name] = Environment(name=env_name, datasets=bindings, unset=unset)
    default = raw.project.default_env
    if default is not None and default not in raw.env:
        problems.append(Diagnostic(
            "E606", f"{prefix}project.default_env names '{default}', which has no [{prefix}{toml_key('env', default)}] table",
            _locate(positions, path, prefix, ["project", "default_env"]),
            help=_did_you_mean(default, raw.env) or f"environments: {', '.join(raw.env) or 'none'}",
        ))
    wrong_lang = i18n.lang_problem(raw.project.lang, f"{prefix}project.lang",
                                   _locate(positions, path, prefix, ["project", "lang"]))
    if wrong_lang is not None:
        problems.append(wrong_lang)
    if problems:
        raise ConfigError(problems)
    return ProjectConfig(path=path, key_prefix=prefix, project=raw.project, envs=envs,
                         lint=raw.lint)


def _binding(env_name: str, ds_id: str, entry: dict, key: list[str], path: Path, prefix: str,
             positions: Positions, problems: list[Diagnostic], unset: list[Diagnostic]) -> Binding | None:
    from kpirules import plugins

    where = prefix + ".".join(key)
    options = dict(entry)
    source = options.pop("source", None)
    if source is None:
        problems.append(Diagnostic(
            "E604", f"{where} has no `source`", _locate(positions, path, prefix, key),
            help='name a source type, e.g. source = "csv" (see `kpirules plugins`)',
        ))
        return None
    if not isinstance(source, str):
        problems.append(Diagnostic(
            "E603", f"{where}.source must be text, the name of a source type",
            _locate(positions, path, prefix, [*key, "source"]),
            help='write it in quotes, e.g. source = "csv" (see `kpirules plugins`)',
        ))
        return None
    types = plugins.source_types()
    if source not in types:
        problems.append(Diagnostic(
            "E605", f"{where}.source: unknown source type '{source}'",
            _locate(positions, path, prefix, [*key, "source"]),
            help=plugins.unknown_source_help(source),
        ))
        return None
    cls = types[source].cls
    secret = [k for k in options if is_secret_key(k)]
    for name in secret:
        problems.append(Diagnostic(
            "E609", f"{where}.{name}: credentials must not be written in the config file",
            _locate(positions, path, prefix, [*key, name]), help=_secret_help(name, cls.Options, source),
        ))
    if secret:
        return None
    named = _expand_variables(options, cls.Options, key, path, prefix, positions, problems)
    # the options naming an unset variable are that environment's problem (`unset`); the
    # others are checked all the same, as every binding of the file is
    missing, waiting = [d for _, d in named], {name for name, _ in named}
    try:
        validated = cls.Options.model_validate(options)
    except ValidationError as exc:
        fields = ["source", *cls.Options.model_fields]
        errors = [err for err in _one_per_union(exc.errors(), cls.Options)
                  if not (err["loc"] and str(err["loc"][0]) in waiting)]
        # a misspelt option is also a missing one: say it once, as the misspelling
        misspelt = {hint for err in errors if err["type"] == "extra_forbidden" and len(err["loc"]) == 1
                    for hint in difflib.get_close_matches(str(err["loc"][0]), fields, n=1, cutoff=0.6)}
        problems.extend(
            _from_pydantic(err, key, path, prefix, positions, lambda loc, f=fields: f if not loc else None,
                           lambda loc: _option_items(cls.Options, loc), source=source)
            for err in errors
            if not (err["type"] == "missing" and len(err["loc"]) == 1 and err["loc"][0] in misspelt)
        )
        validated = None
    unset.extend(missing)
    if validated is None or missing:
        return None
    return Binding(env=env_name, dataset=ds_id, source=source, options=validated)


def _secret_help(name: str, model: type[SourceOptions], source: str) -> str:
    """What to write instead of a credential: the `<name>_env` and `<name>_file` options the
    source type has (a help naming an option it lacks would only lead to E602)."""
    env, file = (f"{name}_{kind}" in model.model_fields for kind in ("env", "file"))
    if env and file:
        return (f'name an environment variable ({name}_env = "...") or a file outside the '
                f'repository ({name}_file = "~/.secrets/...") instead')
    if env:
        return f'name an environment variable ({name}_env = "...") instead'
    if file:
        return f'name a file outside the repository ({name}_file = "~/.secrets/...") instead'
    return f"remove it: source {source} takes no {name}"


# ---------------------------------------------------------------------- ${NAME} in options

_VARIABLE = re.compile(r"\$(\$?)\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _expand_variables(options: dict[str, Any], model: type[SourceOptions], key: list[str], path: Path,
                      prefix: str, positions: Positions, problems: list[Diagnostic]) -> list[tuple[str, Diagnostic]]:
    """Replace `${NAME}` in text options by the environment variable, in place.

    A path option that starts with a variable whose value is a relative path is taken
    relative to the current directory (where the variable was set), not to the config
    file. `$${` writes a literal `${`. Returns the references to unset (or empty) variables,
    each with the option that makes it.
    """
    unset = []
    for name, text in options.items():
        if not isinstance(text, str) or "${" not in text or not takes_text(model, name):
            continue  # a number or a flag keeps its text, and is refused as text by its option's type
        where = prefix + ".".join([*key, name])
        location = _locate(positions, path, prefix, [*key, name])
        parts, last, reported = [], 0, set()
        for match in _VARIABLE.finditer(text):
            escaped, var = match.groups()
            parts += [text[last:match.start()], os.environ.get(var, "") if not escaped else "${" + var + "}"]
            last = match.end()
            if escaped:
                continue
            if not _NAME.fullmatch(var):
                problems.append(Diagnostic(
                    "E603", f"{where}: '${{{var}}}' is not an environment variable name", location,
                    help="write ${NAME} with letters, digits and _ (or $${ for a literal ${)"))
            elif not os.environ.get(var) and var not in reported:
                reported.add(var)  # once per option, however often it names the variable
                message = (f"{where} names the environment variable {var}, which is not set" if var not in os.environ
                           else f"{where} names the environment variable {var}, which is set but empty")
                unset.append((name, Diagnostic(
                    "E603", message, location,
                    help=f"set it (e.g. `export {var}=...`) or write the value in {_shown(path)}")))
        opened = text.find("${", last)
        if opened >= 0 and (opened == 0 or text[opened - 1] != "$"):
            # `${X/people.csv`: a variable never closed was read as a file name
            problems.append(Diagnostic(
                "E603", f"{where}: '${{' at character {opened + 1} is never closed with '}}'", location,
                help="write ${NAME} (or $${ for a literal ${)"))
        expanded = "".join([*parts, text[last:]])
        leading = _VARIABLE.match(text)
        if leading and not leading.group(1) and is_path_option(model, name):
            expanded = os.path.abspath(os.path.expanduser(expanded))
        options[name] = expanded
    return unset


# ---------------------------------------------------------------------- messages


def _structure_keys(loc: tuple) -> list[str] | None:
    """The keys allowed where loc points, for did-you-mean."""
    if not loc:
        return list(_ConfigFile.model_fields)
    if loc[0] == "project" and len(loc) == 1:
        return list(ProjectSettings.model_fields)
    if loc[0] == "env" and len(loc) == 2:
        return list(_EnvTable.model_fields)
    return None


#: pydantic's error types, by what the value must be instead
_TABLE_TYPES = {"dict_type", "model_type", "model_attributes_type"}
_LIST_TYPES = {"list_type", "tuple_type", "set_type"}
_SCALAR_TYPES = {
    "string_type": "text", "path_type": "path",
    "int_type": "integer", "int_parsing": "integer", "int_from_float": "integer",
    "float_type": "number", "float_parsing": "number", "decimal_type": "number", "decimal_parsing": "number",
    "bool_type": "boolean", "bool_parsing": "boolean",
}
_BOUNDS = {"greater_than_equal": ("ge", "at least"), "greater_than": ("gt", "more than"),
           "less_than_equal": ("le", "at most"), "less_than": ("lt", "less than")}
#: what a list of the configuration file holds, and an example of one (options: _option_items)
_CONFIG_ITEMS = {("project", "rulesets"): tomlshapes.RULESETS_ITEMS}
#: a list's items by their Python type: what they are called, and an example list
_ITEM_WORDS = {str: ("text values", '["...", "..."]'), Path: ("paths", '["data/file.csv"]'),
               int: ("whole numbers", "[1, 2]"), float: ("numbers", "[0.5, 1.5]"), bool: ("true or false values", "[true, false]")}


def _config_items(loc: tuple) -> tuple[str, str]:
    return _CONFIG_ITEMS.get(tuple(loc), _ITEM_WORDS[str])


def _option_items(model: type[SourceOptions], loc: tuple) -> tuple[str, str]:
    """What the list option at loc holds, from its annotation (`list[str] | None`: text values)."""
    field = model.model_fields.get(str(loc[0])) if len(loc) == 1 else None
    for candidate in (field.annotation, *typing.get_args(field.annotation)) if field else ():
        if typing.get_origin(candidate) in (list, tuple, set):
            item = (typing.get_args(candidate) or (str,))[0]
            return _ITEM_WORDS.get(item, _ITEM_WORDS[str])
    return _ITEM_WORDS[str]


def _one_per_union(errors: list[dict], model: type[SourceOptions]) -> list[dict]:
    """The errors with those of an option of several kinds (`sheet: str | int`) made one:
    pydantic gives one per kind, at `sheet.str` and `sheet.int`, and the user wrote one value."""
    out: list[dict] = []
    merged: dict[str, dict] = {}
    for err in errors:
        loc = err["loc"]
        field = model.model_fields.get(str(loc[0])) if len(loc) == 2 else None
        kinds = [arg for arg in typing.get_args(field.annotation) if arg is not type(None)] if field else []
        if typing.get_origin(field.annotation if field else None) not in (typing.Union, types.UnionType) \
                or len(kinds) < 2 or err["type"] not in _SCALAR_TYPES:
            out.append(err)
            continue
        if loc[0] not in merged:
            merged[loc[0]] = {"type": "union_type", "loc": loc[:1], "input": err.get("input"), "kinds": []}
            out.append(merged[loc[0]])
        merged[loc[0]]["kinds"].append(_SCALAR_TYPES[err["type"]])
    return out


def _from_pydantic(err: dict, base: list[str], path: Path, prefix: str, positions: Positions,
                   allowed, items, source: str | None = None) -> Diagnostic:
    """A pydantic error as the user reads it: what the key must be and what to write.

    `allowed(loc)` gives the keys a table at loc may have (for did-you-mean), `items(loc)`
    what the list at loc holds and an example of one.
    """
    loc = tuple(str(p) for p in err["loc"])
    key = [*base, *loc]
    where = prefix + ".".join(key)  # in a pyproject.toml, the whole key: tool.kpirules.project.foo
    location = _locate(positions, path, prefix, [*base, *err["loc"]])  # list indices stay numbers
    of = f" (source {source})" if source else ""
    kind = err["type"]
    if kind == "extra_forbidden":
        candidates = allowed(loc[:-1]) or []
        hint = _did_you_mean(loc[-1], candidates)
        known = ", ".join(c for c in candidates if c != "source") if candidates else ""
        return Diagnostic("E602", f"unknown key {where}{of}", location,
                          help=hint or (f"known keys: {known}" if known else None))
    if kind == "missing":
        return Diagnostic("E604", f"missing required option {where}{of}", location,
                          help=f"add `{loc[-1]} = ...` to [{prefix}{'.'.join(key[:-1])}]")
    value = err.get("input")
    if err["loc"] and isinstance(err["loc"][-1], int) and kind in _SCALAR_TYPES:
        # an entry of a list: say what the list must hold
        noun, example = items(loc[:-1])
        return tomlshapes.not_a_list("E603", ".".join(key[:-1]), noun, example, value, err["loc"][-1] + 1, location)
    if kind in _TABLE_TYPES:
        full = (*_split_key(prefix.rstrip(".")), *key) if prefix else tuple(key)
        return tomlshapes.not_a_table("E603", where, ".".join(full), value, full in positions.array_tables, location)
    if kind in _LIST_TYPES:
        noun, example = items(loc)
        return tomlshapes.not_a_list("E603", where, noun, example, value, None, location)
    if kind in _SCALAR_TYPES:
        return tomlshapes.not_a_scalar("E603", where, _SCALAR_TYPES[kind], value, location)
    if kind == "union_type":  # made by _one_per_union
        return tomlshapes.not_a_scalar("E603", where, err["kinds"], value, location)
    if kind == "literal_error":
        # pydantic writes the choices as Python does ('stop' or 'skip'); TOML quotes text with "
        choices = [f'"{choice}"' for choice in re.findall(r"'([^']*)'", err["ctx"]["expected"])]
        listed = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else "".join(choices)
        return Diagnostic("E603", f"{where} must be {listed}", location,
                          help=f"write one of them in quotes, e.g. {loc[-1]} = {choices[0] if choices else '...'}")
    if kind == "finite_number":  # SourceOptions refuses TOML's inf and nan: no timeout or size is endless
        return Diagnostic("E603", f"{where} must be a finite number", location,
                          help=f"TOML's inf and nan are not numbers an option can take: write digits, e.g. {loc[-1]} = 60")
    if kind in _BOUNDS:
        bound, words = _BOUNDS[kind]
        return Diagnostic("E603", f"{where} must be {words} {err['ctx'][bound]}", location)
    # never echo the input: it may be a credential
    reason = _reason(err)
    help_ = RULESETS_EMPTY_HELP if reason == RULESETS_EMPTY else None  # as lint says it
    return Diagnostic("E603", f"{where}{of}: {reason}", location, help=help_)


def _reason(err: dict) -> str:
    """What pydantic says is wrong, without the "Value error, " it puts before a validator's
    own message (a source's option checks speak to the user already)."""
    if err["type"] == "value_error" and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])
    return err["msg"]


def _did_you_mean(word: str, candidates) -> str | None:
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _error(code: str, message: str, path: Path, help: str | None = None) -> ConfigError:
    return ConfigError(Diagnostic(code, message, Location(_shown(path), 1, 1), help=help))


def _split_key(text: str) -> list[str]:
    return [part.strip().strip('"').strip("'") for part in text.split(".")]


def missing_ruleset(path: Path, written: str) -> ConfigError:
    """E001 at `rulesets` under [project] of the configuration `path`: `written` does not exist."""
    key = "tool.kpirules.project.rulesets" if path.name == PYPROJECT_NAME else "project.rulesets"
    return ConfigError(Diagnostic(
        "E001", f"no such file or directory: {written} (listed in project.rulesets)", locate_key(path, key),
        help=f"check the path: it is relative to the folder of {path.name}",
    ))


def locate_key(path: Path, key: str) -> Location:
    """Where a dotted key (`env.sample.datasets.calls.columns`) is written in a configuration
    file, for a problem found once the data is read: its line, best effort."""
    return _locate(locate_file(path), path, "", key.split("."))


def _locate(positions: Positions, path: Path, prefix: str, key: list[str | int]) -> Location:
    """Where key is written: its `[table]` or `[[table]]` header, or `name =` (at the top of
    the file too), else the nearest table written that holds it."""
    full = (*_split_key(prefix.rstrip(".")), *key) if prefix else tuple(key)
    return Location(_shown(path), *positions.key(full))


# ---------------------------------------------------------------------- a starter file


def starter_config(rulesets: list[str], bindings: dict[str, dict[str, str]]) -> str:
    """A kpirules.toml reading rulesets, with the datasets bound as `starter_bindings` binds them."""
    import tomli_w

    doc = {
        "project": {"rulesets": rulesets, "default_env": "default"},
        "env": {"default": {"datasets": bindings}},
    }
    intro = (
        "# kpirules project configuration: where the rulesets are, and which file or system\n"
        "# each dataset they declare is read from. Add environments as [env.NAME.datasets.ID];\n"
        "# `kpirules plugins` lists the source types, `kpirules sources check` tries them.\n"
        "# Options a CSV export often needs (docs/sources.md):\n"
        "#   encoding = \"gbk\"                         # detected when left out (UTF-8, GBK, UTF-16)\n"
        "#   rename = { \"负责人\" = \"owner_id\" }       # source column -> declared column\n"
        "#   timezone = \"Asia/Shanghai\"               # of timestamps written without an offset\n\n"
    )
    return intro + tomli_w.dumps(doc)


def starter_bindings(scheme: Scheme, folder: Path) -> dict[str, dict[str, str]]:
    """Dataset id -> its binding in a starter configuration written in folder: the first
    file data/<id>.csv, .parquet, .json or .jsonl that exists (what `kpirules sample --out
    data` wrote, say), read by the source of that name; else data/<id>.csv, to be exported."""
    settings = defaults()["data_files"]
    bindings = {}
    for ds_id in scheme.datasets:
        candidates = [(source, f"{settings['folder']}/{ds_id}.{source}") for source in settings["sources"]]
        source, path = next(((s, p) for s, p in candidates if (folder / p).is_file()), candidates[0])
        bindings[ds_id] = {"source": source, "path": path}
    return bindings
