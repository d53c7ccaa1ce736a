"""Read .kpi text into a syntax tree, or raise a SchemeError that says where and why.

The Lark parser is built once per process (and its tables cached on disk by Lark), with
the transformer running inline so no intermediate parse tree is built.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import gc
import os
import re
import threading
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from kpirules.defaults import defaults
from kpirules.errors import Diagnostic, Location, SchemeError, byte_location
from kpirules.io import note_input
from kpirules.lang import ast
from kpirules.lang.comments import extract_comments
from kpirules.lang.syntax_errors import STRAY_NAME, describe_syntax_error
from kpirules.lang.transformer import MAX_DEPTH, InvalidLiteral, KpiTransformer, NestedTooDeeply

GRAMMAR = Path(__file__).with_name("kpi.lark")
#: Files larger than this are refused: a scheme is a few kilobytes; larger files are data.
MAX_FILE_BYTES = defaults()["files"]["max_bytes"]

_lock = threading.Lock()


class _CurrencyOnSameLine:
    """Postlexer: a currency is written on the amount's line (`50万 CNY`).

    Without this, a misspelt keyword after a line that ends in a number (`target >= 200`
    then `wieght 30%`) reads as the amount's currency, and the error lands on the next
    token with no useful hint. A word on a later line is retyped to its keyword, or to
    STRAY_NAME, so the parser rejects it where it was written. So is a word on the same
    line that cannot be a currency code (three capitals) and is, or is close to, a keyword
    (`target >= 200 wieght 30%`): the parser then suggests the keyword that fits there.
    """

    always_accept = ()

    def __init__(self) -> None:
        self.keywords: dict[str, str] = {}

    def process(self, stream):
        previous = None
        for token in stream:
            if (
                token.type == "NAME"
                and previous is not None
                and previous.type == "NUMBER"
                and (token.line > previous.end_line or self._keyword_not_currency(str(token)))
            ):
                token = Token.new_borrow_pos(self.keywords.get(str(token), STRAY_NAME), token, token)
            previous = token
            yield token

    def _keyword_not_currency(self, word: str) -> bool:
        if len(word) == 3 and word.isalpha() and word.isupper():
            return False
        return word in self.keywords or bool(difflib.get_close_matches(word, self.keywords, n=1, cutoff=0.75))


@contextlib.contextmanager
def gc_paused():
    """Suspend the cyclic garbage collector while .kpi text is parsed or resolved.

    Parsing allocates tens of thousands of small objects (tokens, syntax nodes, models)
    that reference counting frees on its own, but each burst of allocations starts a
    collection that walks every live object: that was about 40% of the time. Collection
    resumes as soon as the work is done (a nested pause leaves it to the outer one).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@functools.lru_cache(maxsize=1)
def _parser() -> tuple[Lark, KpiTransformer]:
    transformer = KpiTransformer()
    postlex = _CurrencyOnSameLine()
    with gc_paused():  # unpickling the cached tables makes thousands of objects
        lark = Lark.open(
            str(GRAMMAR),
            parser="lalr",
            lexer="contextual",
            transformer=transformer,
            postlex=postlex,
            cache=True,
        )
    postlex.keywords = {
        t.pattern.value: t.name for t in lark.terminals if t.pattern.type == "str" and t.pattern.value.isidentifier()
    }
    return lark, transformer


def keywords() -> dict[str, str]:
    """The language's keywords, each with its terminal's name."""
    return _parser()[0].options.postlex.keywords


def reads_past(text: str, pos: int) -> bool:
    """Whether the text parses without an error before `pos` (no error at all, or the first
    one at or after it): what a syntax error's help tries before suggesting a change."""
    lark, transformer = _parser()
    try:
        with _lock, gc_paused():
            transformer.begin("<probe>")
            lark.parse(text)
    except UnexpectedInput as exc:
        at = getattr(exc, "pos_in_stream", None)
        token = getattr(exc, "token", None)
        if token is not None and getattr(token, "start_pos", None) is not None:
            at = token.start_pos
        return at is not None and at >= pos
    except (InvalidLiteral, NestedTooDeeply):
        return True  # past the syntax: a literal's own problem
    except Exception:  # noqa: BLE001 - a probe for a help line must never replace the error it helps with
        return False
    return True


@functools.lru_cache(maxsize=1)
def expression_words() -> frozenset[str]:
    """The keywords an expression can start with (`count`, `sum`, `if`, `not`, `true`, ...):
    where an expression is read, such a word is the keyword, never a name of that spelling."""
    lark, transformer = _parser()
    with _lock:
        transformer.begin("<expression words>")
        state = lark.parse_interactive("role r {\n payout {\n gate ")
        state.exhaust_lexer()
        accepted = state.accepts()
    return frozenset(word for word, terminal in keywords().items() if terminal in accepted)


def grammar_parser(**options) -> Lark:
    """A fresh Lark parser over the grammar, producing a plain tree (for tests and tools)."""
    return Lark.open(str(GRAMMAR), parser="lalr", lexer="contextual", **options)


def decode_source(data: bytes, path: str) -> str:
    """UTF-8 text of a .kpi file; a byte-order mark is accepted, other encodings are refused."""
    if len(data) > MAX_FILE_BYTES:
        raise SchemeError(
            Diagnostic(
                "E103",
                f"file is too large: {len(data):,} bytes; a .kpi file may be at most {MAX_FILE_BYTES:,} bytes "
                f"({MAX_FILE_BYTES / 1_048_576:g} MiB)",
                Location(path, 1, 1),
                help="a .kpi file holds a scheme, not data: bind data files in kpirules.toml instead",
            )
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = "re-save the file as UTF-8"
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            hint = "the file is UTF-16; re-save it as UTF-8"
        else:
            try:
                data.decode("gb18030")
                hint = "the file looks like GBK/GB18030 (a Chinese Windows encoding); re-save it as UTF-8"
            except UnicodeDecodeError:
                pass
        raise SchemeError(
            Diagnostic(
                "E101",
                f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x} cannot be decoded)",
                byte_location(path, data, exc.start),
                help=hint,
            )
        ) from None
    if not text.strip():
        raise SchemeError(
            Diagnostic(
                "E102",
                "file is empty" if not text else "file contains only whitespace",
                Location(path, 1, 1),
                help="a .kpi file declares a scheme, datasets, grade bands or roles; delete it or add one",
            )
        )
    return text


# line breaks other than LF and CRLF: editors end a line at them, the grammar does not (a
# comment would run on over what shows as the next lines)
_OTHER_LINE_BREAK = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
_BREAK_NAMES = {"\r": "CARRIAGE RETURN", "\x85": "NEXT LINE", "\u2028": "LINE SEPARATOR",
                "\u2029": "PARAGRAPH SEPARATOR"}


def _other_line_break(text: str, path: str) -> Diagnostic | None:
    found = _OTHER_LINE_BREAK.search(text) if "\r" in text or not text.isascii() else None
    if found is None:
        return None
    pos, char = found.start(), found.group()
    line, column = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
    return Diagnostic(
        "E116", f"invisible character {_BREAK_NAMES[char]} (U+{ord(char):04X}) is not allowed here",
        Location(path, line, column, line, column + 1),
        help="lines end with LF or CRLF only: save the file with LF (or CRLF) line endings; "
        "an editor shows a line break here that kpirules would not see",
    )


def parse_text(text: str, path: str = "<string>") -> ast.File:
    """Parse .kpi source text into a syntax tree; raise SchemeError on the first syntax error."""
    if text.startswith("\ufeff"):
        text = text[1:]
    line_break = _other_line_break(text, path)
    if line_break is not None:
        raise SchemeError(line_break)
    lark, transformer = _parser()
    try:
        with _lock, gc_paused():
            transformer.begin(path)
            items = lark.parse(text)
    except InvalidLiteral as exc:
        token = exc.token
        raise SchemeError(
            Diagnostic(
                "E110",
                str(exc),
                Location(path, token.line, token.column, token.end_line, token.end_column),
                help=exc.help,
            )
        ) from None
    except NestedTooDeeply as exc:
        token = exc.token
        raise SchemeError(
            Diagnostic(
                "E119",
                f"expression nested too deeply: at most {MAX_DEPTH} levels",
                Location(path, token.line, token.column, token.end_line, token.end_column),
                help="each operator, parenthesis and function call is a level (a + b + c nests two); "
                "write the expression more simply",
            )
        ) from None
    except (UnexpectedToken, UnexpectedCharacters, UnexpectedEOF) as exc:
        raise SchemeError(describe_syntax_error(exc, text, path)) from None
    except UnexpectedInput as exc:  # pragma: no cover - Lark's remaining error kinds
        raise SchemeError(
            Diagnostic("E100", "syntax error", Location(path, exc.line, exc.column),
                       help="check the line for a typo or a missing word")
        ) from None
    return ast.File(path=path, items=items, comments=extract_comments(text), too_large=transformer.too_large)


def parse_file(path: str | Path) -> ast.File:
    """Read and parse one .kpi file."""
    return parse_text(read_source(path), str(path))


def read_source(path: str | Path) -> str:
    """The text of one .kpi file, or a SchemeError (E101-E106) at the file."""
    return decode_source(read_source_bytes(path), str(path))


def read_source_bytes(path: str | Path) -> bytes:
    """The bytes of one .kpi file, or a SchemeError (E104-E106) at the file."""
    p = Path(path)
    name = str(path)
    try:
        data = p.read_bytes()
        note_input(p)
    except IsADirectoryError:
        raise SchemeError(
            Diagnostic("E104", "is a directory, not a .kpi file", Location(name, 1, 1),
                       help="name a .kpi file inside it")
        ) from None
    except FileNotFoundError:
        if p.is_symlink():
            raise SchemeError(Diagnostic(
                "E105", f"a symbolic link to {os.readlink(p)}, which does not exist", Location(name, 1, 1),
                help="point the link at the file, or remove it")) from None
        raise SchemeError(
            Diagnostic("E105", "file not found", Location(name, 1, 1), help="check the path")
        ) from None
    except OSError as exc:
        raise SchemeError(
            Diagnostic("E106", f"cannot read file: {exc.strerror}", Location(name, 1, 1),
                       help="check that you may read the file (its permissions)")
        ) from None
    return data

