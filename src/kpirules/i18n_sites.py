"""Every message a package writes, read from its source, and whether a catalog translates it.

For tests: kpirules' own (tests/test_i18n.py) and a plugin's, so that a new English message
without a translation fails there rather than reaching a reader in English.

    from kpirules.i18n_sites import SITES, message_sites, untranslated

    def test_every_message_has_a_chinese_pattern():
        sites = message_sites(Path("src/kpirules_crm"), {**SITES, "CrmError": {"code": "E640", "message": 0}})
        assert sites and untranslated(sites, "zh") == []

A site is a call that builds a message: `Diagnostic(code, message, location, help)`, a
source's `self.error(code, message, help)`, or a callable named in `sites` with where its
code, message and help are (a position, a keyword, a constant code, or a prefix the
message is said after, and a suffix after it if any: `("plugin Q ", 2)`, `("plugin Q ", 1, ": Q")`). The texts are read with `ast`: an f-string's
values become "Q", a conditional gives both texts; a message built elsewhere (passed on in
a variable, made only of values such as f"{self.locator}: {exc}", or a value said after
one word, f"fields.{column}: {exc}") is checked where it is written.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from kpirules import i18n

#: what each value of an f-string becomes in the texts read
SAMPLE = "Q"

#: the callables every package builds messages with, and where their code, message and help are
SITES: dict[str, dict] = {
    "Diagnostic": {"code": 0, "message": 1, "help": (3, "help")},
}

CJK = re.compile(r"[\u4e00-\u9fff]")


class MessageSite(NamedTuple):
    """One call that builds a message: where it is, its possible codes, messages and helps."""

    where: str
    codes: list[str]
    messages: list[str]
    helps: list[str]


def english_left(text: str) -> list[str]:
    """Runs of three or more English words outside code (backticks), quotes and brackets.

    Names, values and snippets may stay English; a sentence may not.
    """
    stripped = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"|“[^”]*”|\[[^\]]*\]|\S*[_.(=/<>]\S*", " ", text)
    return re.findall(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b", stripped)


def reads_as_chinese(text: str) -> bool:
    return bool(CJK.search(text)) and not english_left(text)


def variants(node, top: bool = True) -> list[str] | None:
    """The texts an expression can build, with "Q" for each value; None when unknowable."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append([value.value])
            else:
                parts.append(variants(value.value, top=False) or [SAMPLE])
        return ["".join(p) for p in itertools.product(*parts)][:64]
    if isinstance(node, ast.IfExp):
        found = [variants(node.body, top), variants(node.orelse, top)]
        return [t for texts in found if texts for t in texts] or None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = variants(node.left, False), variants(node.right, False)
        return [a + b for a in left or [SAMPLE] for b in right or [SAMPLE]][:64]
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        found = [variants(v, top) for v in node.values]
        return [t for texts in found if texts for t in texts] or None
    if isinstance(node, ast.Call):
        name = _name(node)
        if name in ("did_you_mean", "_did_you_mean"):
            return [f"did you mean '{SAMPLE}'?"]
        if name == "known":
            return [f"known names: {SAMPLE}", "no names are declared"]
        if name == "_plural" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
            one = node.args[1].value
            many = node.args[2].value if len(node.args) > 2 and isinstance(node.args[2], ast.Constant) else one + "s"
            return [f"{SAMPLE} {one}", f"{SAMPLE} {many}"]
    return None if top else [SAMPLE]


def _name(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")


def _argument(call: ast.Call, where):
    if isinstance(where, tuple) and isinstance(where[0], str) and not where[0].isidentifier():
        prefix, index, *suffix = where
        node = call.args[index] if index < len(call.args) else None
        texts = variants(node) if node is not None else None
        return [prefix + t + "".join(suffix) for t in texts] if texts else None
    positions = where if isinstance(where, tuple) else (where,)
    for spot in positions:
        if isinstance(spot, int) and spot < len(call.args):
            return call.args[spot]
        if isinstance(spot, str):
            for keyword in call.keywords:
                if keyword.arg == spot:
                    return keyword.value
    return None


def _calls(tree: ast.AST) -> Iterator[tuple[ast.Call, str | None]]:
    """Every call with the name of the function it is written in."""
    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Call):
                yield child, function
            yield from visit(child, inner)

    yield from visit(tree, None)


def message_sites(root: Path, sites: Mapping[str, dict] = SITES, wrappers: frozenset[str] = frozenset(),
                  skip: tuple[str, ...] = ()) -> list[MessageSite]:
    """Every message written in the .py files under root.

    `sites` maps a callable's name, or "file.py:name" for one file's (the path relative to
    root), to where its code, message and help are. Calls inside `wrappers`, functions that
    only pass their arguments on, are not sites: their callers are. `skip` names files
    (relative to root) not to read.
    """
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative in skip:
            continue
        for call, function in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            if function in wrappers:
                continue
            name = _name(call)
            spec = sites.get(f"{relative}:{name}") or sites.get(name)
            if name == "error" and call.args and variants(call.args[0]) and re.fullmatch(r"E\d{3}", variants(call.args[0])[0]):
                # problems.error(code, span, message, help) or source.error(code, message, help)
                takes_span = len(call.args) >= 3 and variants(call.args[1]) is None
                spec = {"code": 0, "message": 2, "help": (3, "help")} if takes_span else {"code": 0, "message": 1, "help": (2, "help")}
            if spec is None:
                continue
            code_spec = spec["code"]
            codes = [code_spec] if isinstance(code_spec, str) else variants(_argument(call, code_spec) or ast.Constant(None))
            if not codes or not all(re.fullmatch(r"E\d{3}", c) for c in codes):
                continue  # a code passed on from elsewhere: checked where it is written
            message = _argument(call, spec["message"])
            messages = message if isinstance(message, list) else (variants(message) if message is not None else None)
            # made only of values (f"{self.locator}: {exc}"), or a value said after one word
            # (f"fields.{column}: {exc}"): it passes on a text written elsewhere, checked
            # there with the prefix its callable's entry gives
            messages = [m for m in messages or [] if not re.fullmatch(rf"[{SAMPLE}\W]*|\S*: {SAMPLE}", m)]
            help_node = _argument(call, spec["help"]) if "help" in spec else None
            helps = variants(help_node) if help_node is not None else None
            found.append(MessageSite(f"{relative}:{call.lineno}", codes, messages or [], helps or []))
    return found


def site_problems(site: MessageSite, lang: str) -> list[str]:
    """Why a site's messages or helps would not read as lang: no pattern, or English left."""
    found = i18n.catalog(lang)
    problems = []
    for message in site.messages:
        translated = [t for code in site.codes if (t := found.message(code, message)) is not None]
        if not translated:
            problems.append(f"{site.where}: no pattern of {site.codes} in [messages] matches {message!r}")
        elif not reads_as_chinese(translated[0]):
            problems.append(f"{site.where}: the message {message!r} reads {translated[0]!r}")
    for help in site.helps:
        text = found.phrase(help, "help")
        if english_left(help) and text == help:
            problems.append(f"{site.where}: no pattern of the help group matches {help!r}")
        elif english_left(help) and not reads_as_chinese(text):
            problems.append(f"{site.where}: the help {help!r} reads {text!r}")
    return problems


def untranslated(sites: list[MessageSite], lang: str) -> list[str]:
    """Every problem of every site (see `site_problems`): empty when all read as lang."""
    return [problem for site in sites for problem in site_problems(site, lang)]
