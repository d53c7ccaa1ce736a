"""Turn Lark's parse errors into diagnostics a person can act on.

Terminals get plain-English names ("a number", "'weight'"), a misspelt keyword gets a
"did you mean", and the common slips (a space inside a number, a `%` with no number, a
non-breaking space, an unclosed brace) get messages of their own.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from decimal import Decimal

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from kpirules.errors import Diagnostic, Location

#: Plain names of the terminals that are not keywords.
TERMINAL_NAMES = {
    "NAME": "a name",
    "NUMBER": "a number",
    "PERCENT": "a percentage",
    "NEGATIVE_KEY": "a negative key (-10:)",
    "STRING": 'a quoted text ("...")',
    "DATE": "a date (YYYY-MM-DD)",
    "DURATION": "a duration such as 30d",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COLON": "':'",
    "COMMA": "','",
    "DOT": "'.'",
    "EQ": "'=='",
    "NE": "'!='",
    "GE": "'>='",
    "LE": "'<='",
    "GT": "'>'",
    "LT": "'<'",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "INFINITY": "'∞'",
    "$END": "the end of the file",
}

#: Keyword terminals whose text differs from their lower-cased name.
_KEYWORD_TEXT = {"DATE_KW": "date", "NAME_KW": "name"}

#: The token type the parser gives a word that follows a number on a later line: it cannot
#: be the number's currency, so it is a misspelt keyword or a stray word.
STRAY_NAME = "STRAY_NAME"

#: Keywords that begin a declaration or a block; meeting one where a '}' could close the
#: current block usually means that '}' is missing.
_BLOCK_STARTS = {
    "IMPORT", "SCHEME", "DATASET", "ROSTER", "TARGETS", "ADJUSTMENTS", "GRADES", "ROLE",
    "EXTENDS", "APPLIES_TO", "KPI", "OVERRIDE", "PAYOUT",
}

_MAX_LISTED = 14

#: the help where a target's direction is wrong or missing (`target = 200`, `target == 200`)
TARGET_DIRECTION_HELP = ("a target says which way is better: target >= 200 (higher is better) "
                         "or target <= 200 (lower is better)")

_COMPARISONS = {"EQ", "NE", "GE", "LE", "GT", "LT"}
#: Tokens that are a value someone may have meant as a text (`role r 42 {`).
_VALUES = {"NAME", STRAY_NAME, "NUMBER", "PERCENT", "DATE", "DURATION"}


def terminal_name(name: str) -> str:
    """What a terminal is called in messages: "a number", "'weight'", "the end of the file"."""
    if name in TERMINAL_NAMES:
        return TERMINAL_NAMES[name]
    return f"'{keyword_text(name)}'"


def _before_keyword(text: str) -> str:
    """The text up to the first word that is a keyword of the language, after the first word
    (`5 weight 100%` -> `5`): on a one-line block the next statement follows on the line."""
    from kpirules.lang.parser import keywords

    known = keywords()
    for match in re.finditer(r"[^\W\d]\w*", text):
        if match.start() > 0 and match.group() in known and text[match.start() - 1].isspace():
            return text[: match.start()]
    return text


def keyword_text(name: str) -> str:
    return _KEYWORD_TEXT.get(name, name.lower())


def _is_keyword(name: str) -> bool:
    return name not in TERMINAL_NAMES


_KINDS = {"NUMBER", "PERCENT", "NAME", "STRING", "DATE", "DURATION"}


def _expected_phrase(expected: set[str]) -> str:
    # kinds of value first (a number, a name: what an expression needs), then keywords
    # (what a statement starts with), then punctuation
    names = sorted(expected, key=lambda n: (n not in _KINDS, not _is_keyword(n), keyword_text(n)))
    shown = [terminal_name(n) for n in names[:_MAX_LISTED]]
    more = len(names) - len(shown)
    text = ", ".join(shown)
    if more > 0:
        text += f" or {more} more"
    return text


#: what a brace scan reads: texts and comments (whose braces do not count), braces, line
#: breaks, and any other character
_BRACE_SCAN = re.compile(r'"(?:\\.|[^"\\\n])*"|“[^”\n]*”|#[^\n]*|[{}｛｝\n]|[^\s#"“{}｛｝]')


def _braces(text: str):
    """(token, line, column, offset) for each brace, line break and other token of the text,
    texts and comments read as one token each."""
    line, line_start = 1, 0
    for match in _BRACE_SCAN.finditer(text):
        token = match.group()
        yield token, line, match.start() - line_start + 1, match.start()
        if token == "\n":
            line += 1
            line_start = match.end()


def _unclosed_brace(text: str, innermost: bool = False) -> tuple[int, int] | None:
    """Line and column of the first (or innermost) `{` never closed, ignoring strings and comments."""
    stack: list[tuple[int, int]] = []
    for token, line, column, _ in _braces(text):
        if token in "{｛":
            stack.append((line, column))
        elif token in "}｝" and stack:
            stack.pop()
    if not stack:
        return None
    return stack[-1] if innermost else stack[0]


def _parses_past(text: str, brace: int, pos: int) -> bool:
    """Whether, without the '}' at `brace`, the text reads on past `pos`: then that '}' is
    one too many, and not one the block needs before a word written in the wrong place."""
    from kpirules.lang.parser import reads_past

    return reads_past(text[:brace] + " " + text[brace + 1:], pos)


def _closed_just_before(text: str, pos: int) -> tuple[int, int, int] | None:
    """(line of the '}', line of its '{', the '}''s offset) when the last thing before pos,
    comments and spaces aside, is a '}' that closes a block; None otherwise."""
    stack: list[int] = []
    last = None
    for token, line, _, offset in _braces(text[:pos]):
        if token in "{｛":
            stack.append(line)
            last = None
        elif token in "}｝" and stack:
            last = (line, stack.pop(), offset)
        elif token != "\n" and not token.startswith("#"):
            last = None
    return last


def _split_number(text: str, pos: int) -> bool:
    """True when the token at pos continues a number that a space or tab cut in two."""
    if pos >= len(text) or not text[pos].isdigit():
        return False
    before = text[:pos]
    stripped = before.rstrip(" \t\u00a0\u3000")
    return stripped != before and "\n" not in before[len(stripped) :] and stripped[-1:].isdigit()


def _joined_number(text: str, token) -> str:
    """E111's help: the number as written, without the gap (`2 000`: 2000 or 2_000)."""
    head = re.search(r"[0-9_.]+$", text[: token.start_pos].rstrip(" \t\u00a0\u3000"))
    # the groups after it too (`1 500 000`: every gap, not the first alone)
    more = re.match(r"(?:[ \t\u00a0\u3000]+[0-9][0-9_]*)*", text[token.end_pos:]).group().split()
    groups = [head.group()] if head else []
    groups += [str(token), *more]
    joined = "".join(groups)
    if head and "." not in head.group() and all(re.fullmatch(r"[0-9_]+", g) for g in groups[1:]):
        grouped = "_".join(groups)
        return f"write the number without the gap: {joined} or {grouped}"
    return f"write the number without the gap: {joined}"


# a number written with an exponent (`3e8`, `1.5E-3`), which the lexer reads as a number and a name
_EXPONENT_NUMBER = re.compile(r"(?<![\w.])[0-9][0-9_]*(?:\.[0-9_]+)?[eE][+-]?[0-9_]*(?![\w.])")
EXPONENT_MESSAGE = "numbers in a .kpi file are written without an exponent (e or E)"
EXPONENT_HELP = "write the number in full: 1000 for 1e3, 0.001 for 1e-3 (or with 万 and 亿: 5万 for 5e4)"


def _exponent_before(text: str, pos: int, path: str) -> Diagnostic | None:
    """E110 at a number written with an exponent on the line of a syntax error, up to it:
    the likely cause (`target >= 3e8 CNY` fails at CNY)."""
    start = text.rfind("\n", 0, pos) + 1
    found = _EXPONENT_NUMBER.search(text, start, pos)
    before = text[start:found.start()] if found is not None else ""
    if found is None or "#" in before or before.count('"') % 2 or "“" in before:  # in a comment or a text
        return None
    line = text.count("\n", 0, start) + 1
    column = found.start() - start + 1
    return Diagnostic("E110", EXPONENT_MESSAGE, Location(path, line, column, line, column + len(found.group())),
                      help=EXPONENT_HELP)


#: multipliers people write after a number that the language does not read (it reads 万 and 亿)
MULTIPLIERS = {"千": 1000, "k": 1000, "K": 1000, "百": 100}
# a number whose digits commas group (`1,500,000`, `3,000.50`)
_GROUPED_NUMBER = re.compile(r"(?<![\w.])([0-9]{1,3})((?:,[0-9]{3})+)(\.[0-9]+)?(?![\w.])")
# a number and a multiplier the language does not read, or 万/亿 with '_' after it, up to the token
_MULTIPLIED = re.compile(r"(?<![\w.])([0-9][0-9_]*(?:\.[0-9_]+)?)[ \t]*(千|百|k|K|[万亿]_+)[ \t]*\Z")


def multiplied(number: str, factor: int) -> str | None:
    """number (as written, `1.5`, `2_0`) times factor, as a plain number; None if it is none."""
    plain = number.replace("_", "")
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", plain):
        return None
    return format((Decimal(plain) * factor).normalize(), "f")


def _number_habit_help(text: str, token) -> str | None:
    """E100's help where a number is written as spreadsheets and people write amounts: digits
    grouped by commas (`1,500,000`), a multiplier the language does not read (`3千 CNY`,
    `3k CNY`), or '_' after 万 (`50万_ CNY`)."""
    line_start = text.rfind("\n", 0, token.start_pos) + 1
    line_end = text.find("\n", token.start_pos)
    if token.type == "COMMA":
        for found in _GROUPED_NUMBER.finditer(text[line_start:len(text) if line_end < 0 else line_end]):
            if found.start(2) <= token.start_pos - line_start < found.end(2):
                head, groups, fraction = found.group(1), found.group(2), found.group(3) or ""
                plain, grouped = head + groups.replace(",", "") + fraction, head + groups.replace(",", "_") + fraction
                return f"write the number without commas: {plain} (or {grouped})"
        return None
    found = _MULTIPLIED.search(text[line_start:token.start_pos])
    if found is None or not re.fullmatch(r"[A-Z]{3}", str(token)):
        return None
    number, word = found.group(1), found.group(2)
    if word[0] in "万亿":
        amount = number + word[0]
        return f"write {amount} {token}: '_' goes between digits only"
    whole = multiplied(number, MULTIPLIERS[word])
    if whole is None:
        return None
    return f"write the whole number, {whole} {token}: of the multipliers only 万 and 亿 are read"


def describe_syntax_error(exc: UnexpectedInput, text: str, path: str) -> Diagnostic:
    """The diagnostic for one Lark error."""
    if isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
    ):
        return _end_of_file(exc, text, path)
    if isinstance(exc, UnexpectedCharacters):
        return _bad_character(exc, text, path)
    assert isinstance(exc, UnexpectedToken)
    token = exc.token
    loc = Location(path, token.line, token.column, token.end_line, token.end_column)
    expected = {e for e in _acceptable(exc) if e not in ("WHITESPACE", "COMMENT")}
    if token.type != "RBRACE" and not text[token.end_pos :].strip() and _unclosed_brace(text):
        # the last word of a file cut short (`descri`) is a symptom; the cut is the cause
        return _end_of_file(exc, text, path)
    if token.type == STRAY_NAME:
        expected.discard("NAME")
    exponent = _exponent_before(text, token.start_pos, path)
    if exponent is not None:
        return exponent
    if _split_number(text, token.start_pos):
        return Diagnostic("E111", "a number cannot contain spaces or tabs", loc, help=_joined_number(text, token))
    if token.type == "RBRACE" and "RBRACE" not in expected:
        message = f"unexpected '}}'; expected {_expected_phrase(expected)}"
        if _unclosed_brace(text[: token.start_pos]) is None:
            return Diagnostic("E112", message, loc, help="this '}' closes no '{': remove it")
        return Diagnostic("E112", message, loc, help="the statement before it is incomplete")
    unquoted = _unquoted_text(exc, expected)
    if unquoted is not None:
        message, example = unquoted
        # the words written up to the end of the line (`timezone Asia/Shanghai`, `description
        # 2026 plan`), not the first alone, which pasted back is another error ("Asia")
        line_end = text.find("\n", token.start_pos)
        rest = text[token.start_pos: len(text) if line_end < 0 else line_end]
        cut = min((i for i in (rest.find(c) for c in "{}#") if i >= 0), default=len(rest))
        words = _before_keyword(rest[:cut]).rstrip()
        if words and words != str(token) and not any(q in words for q in '"“”'):  # a label after it: the token
            loc = Location(path, token.line, token.column, token.line, token.column + len(words))
        else:
            words = str(token)
        return Diagnostic("E231", message, loc, help=f'put it in quotes: {example} "{words}"')
    found = f"'{token}'" if token.type != "STRING" else f"text {token}"
    message = f"unexpected {found}; expected {_expected_phrase(expected)}"
    help_text = None
    if token.type in _BLOCK_STARTS and "RBRACE" in expected:
        open_brace = _unclosed_brace(text[: token.start_pos], innermost=True)
        if open_brace:
            help_text = f"is a '}}' missing before this line? the '{{' at line {open_brace[0]} is still open"
    if help_text is None:
        help_text = _number_habit_help(text, token)
    if help_text is None and token.type == "LPAR" and expected == {"LSQB"}:
        help_text = _list_in_brackets(text, token)
    if help_text is None and token.type == "WHERE":
        help_text = _where_outside(text, token)
    if help_text is None and expected == {"LPAR"}:
        help_text = _word_read_as_function(exc)
    if token.type == "FLOOR" and re.search(r"\blinear\s+cap\b[^\n{}]*$", text[:token.start_pos]):
        help_text = "write the floor before the cap: score linear floor 60% cap 120%"
    if token.type == "STRING" and re.search(r"\boverride\s+\w+\s*$", text[:token.start_pos]):
        help_text = "an override keeps the KPI's label: remove the text, or change the label where the KPI is written"
    if token.type == "GT" and text[token.start_pos - 1:token.start_pos] == "<":
        instead, written = "!=", "<>"  # SQL's not-equal
        help_text = f"write '{instead}' for '{written}'"
    if help_text is None and token.type in _COMPARISONS and expected and expected <= {"GE", "LE"}:
        help_text = TARGET_DIRECTION_HELP
    if help_text is None and token.type in _COMPARISONS:
        help_text = _chained_comparison(exc, text)
    if help_text is None and _is_keyword(token.type):
        closed = _closed_just_before(text, token.start_pos)
        if closed is not None and _parses_past(text, closed[2], token.end_pos):
            close_line, open_line, _ = closed
            help_text = (f"is the '}}' on line {close_line} one too many? It closes the '{{' on line {open_line}, "
                         f"and '{token}' may belong before it")
    if help_text is None and (token.type == "NAME" or _is_keyword(token.type)):
        keywords = [keyword_text(e) for e in expected if _is_keyword(e)]
        close = difflib.get_close_matches(str(token), keywords, n=1, cutoff=0.6)
        if close:
            help_text = f"did you mean '{close[0]}'?"
    if help_text is None and re.fullmatch(r"[A-Z]{3}", str(token)):
        amount = re.search(r"(\d[\d_.]*[万亿]?)[ \t]*\n[ \t\n]*\Z", text[:token.start_pos])
        if amount is not None:  # `target >= 50000` and, on the next line, `CNY`
            help_text = f"write the currency code on the same line as its amount: {amount.group(1)} {token}"
    if help_text is None and (token.type == STRAY_NAME or (token.type == "NAME" and "NAME" not in expected)):
        help_text = "a statement starts with a keyword; check the spelling or the line before"
    if help_text is None:
        help_text = "remove it, or complete the statement before it"
    return Diagnostic("E100", message, loc, help=help_text)


def _list_in_brackets(text: str, token) -> str:
    """E100's help at `in (...)`: a list is written in square brackets (`in ["won", "lost"]`)."""
    line_end = text.find("\n", token.start_pos)
    rest = text[token.end_pos: len(text) if line_end < 0 else line_end]
    close = rest.find(")")
    if close < 0:
        return 'write the list in square brackets, e.g. in ["won", "lost"]'
    listed = "[" + rest[:close] + "]"
    return f"write the list in square brackets: in {listed}"


def _where_outside(text: str, token) -> str | None:
    """E100's help at a `where` after an aggregate's closing parenthesis (`sum(deals.amount)
    where won`): the condition goes inside it (`sum(deals.amount where won)`)."""
    line_start = text.rfind("\n", 0, token.start_pos) + 1
    line_end = text.find("\n", token.end_pos)
    before = text[line_start:token.start_pos].rstrip()
    condition = text[token.start_pos: len(text) if line_end < 0 else line_end].split("#", 1)[0].rstrip()
    if not before.endswith(")"):
        return None
    head = re.sub(r"^\s*measure\s+", "", before)
    fixed = f"{head[:-1]} {condition})"
    return f"write the condition inside the parentheses: {fixed}"


def _word_read_as_function(exc: UnexpectedToken) -> str | None:
    """The help where a function's name is used as a name (`where max > 30`, `gate
    count.attainment ...`): the word is the function there, whatever is named so."""
    stack = _value_stack(exc)
    last = stack[-1] if stack else None
    if not isinstance(last, Token) or not _is_keyword(last.type):
        return None
    token = exc.token
    if token.type in ("DOT",) or token.type in _COMPARISONS or token.type in ("PLUS", "MINUS", "STAR", "SLASH",
                                                                              "AND", "OR", "RPAR", "COMMA"):
        call, qualified = f"{last}(...)", f"dataset.{last}"
        return (f"{call} is a function: a column of that name is written with its dataset "
                f"({qualified}), and a KPI needs another name")
    # `count calls`, `count[calls]`, or `count` at the end of a line: the parentheses
    example = f"{last}({token})" if token.type in ("NAME", STRAY_NAME) else f"{last}(calls)"
    function = str(last)
    return f"write what {function} reads in parentheses, e.g. {example}"


def _value_stack(exc: UnexpectedToken) -> list:
    """What the parser had read of the statement the error is in, last item last."""
    parser = getattr(exc, "interactive_parser", None)
    return parser.parser_state.value_stack if parser is not None else []


def _unquoted_text(exc: UnexpectedToken, expected: set[str]) -> tuple[str, str] | None:
    """E231's message, and what to write before the quoted text, for a word or number where
    only a quoted text can come (`owner sales`, `role r 42 {`); None for any other error."""
    if exc.token.type not in _VALUES:
        return None
    before = [item for item in _value_stack(exc)[-2:] if isinstance(item, Token)]
    if expected == {"STRING"} and before and _is_keyword(before[-1].type):
        key = keyword_text(before[-1].type)
        return f"'{key}' takes a quoted text", key
    if expected == {"STRING", "LBRACE"} and len(before) == 2:
        return "a label is a quoted text", f"{before[0]} {before[1]}"
    return None


def _chained_comparison(exc: UnexpectedToken, text: str) -> str | None:
    """The help for a comparison right after another (`1 < x < 3`): write two joined by `and`."""
    stack = _value_stack(exc)
    if len(stack) < 3 or getattr(stack[-2], "type", None) not in _COMPARISONS:
        return None
    if not (hasattr(stack[-3], "span") and hasattr(stack[-1], "span")):
        return None
    left, middle = (_written(text, node.span) for node in (stack[-3], stack[-1]))
    return f"comparisons do not chain: write `{left} {stack[-2]} {middle} and {middle} {exc.token} ...`"


def _written(text: str, span) -> str:
    """The source text of a node on one line, or "..." for one written over several."""
    if span.line != span.end_line:
        return "..."
    return text.split("\n")[span.line - 1][span.column - 1 : span.end_column - 1]


def _acceptable(exc: UnexpectedToken) -> set[str]:
    """The terminals that can really come next.

    LALR states are shared between contexts, so Lark's `expected` after a number lists
    every keyword that may follow a number anywhere; feeding each candidate to a copy of
    the parser (without callbacks) keeps only those valid here.
    """
    parser = getattr(exc, "interactive_parser", None)
    if parser is not None:
        accepted = parser.accepts()
        if accepted:
            return accepted
    return set(exc.expected)


def _end_of_file(exc: UnexpectedInput, text: str, path: str) -> Diagnostic:
    """E113 when only closing braces are missing (at the innermost '{' left open), else E114
    at the end: a statement cut short is finished first, then its blocks are closed. Called
    for a last word cut short too (`descri`, or `scheme {`): the cut is the cause, so E113."""
    at_end = not isinstance(exc, UnexpectedToken) or exc.token.type == "$END"
    if isinstance(exc, UnexpectedToken):
        expected = _acceptable(exc)
    else:
        expected = set(getattr(exc, "expected", ()))
    expected = {e for e in expected if e not in ("WHITESPACE", "COMMENT")}
    unclosed = _unclosed_brace(text, innermost=True)
    if unclosed and (not at_end or not expected or "RBRACE" in expected):
        line, column = unclosed
        return Diagnostic(
            "E113",
            "the file ends before this '{' is closed",
            Location(path, line, column, line, column + 1),
            help="add the missing '}' (a truncated file or a missing brace)",
        )
    lines = text.rstrip("\r\n").split("\n")  # lines as the parser counts them
    line = len(lines)
    column = len(lines[-1].removesuffix("\r")) + 1
    message = "the file ends in the middle of a statement"
    if expected:
        message += f"; expected {_expected_phrase(expected)}"
    help = "the file may be truncated"
    if unclosed:
        help = f"the file may be truncated: finish the statement, then close the '{{' opened on line {unclosed[0]}"
    return Diagnostic("E114", message, Location(path, line, column), help=help)


def _bad_character(exc: UnexpectedCharacters, text: str, path: str) -> Diagnostic:
    char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
    loc = Location(path, exc.line, exc.column, exc.line, exc.column + 1)
    month = _FISCAL_MONTH.search(text, 0, exc.pos_in_stream) if char in "%％" else None
    if month is not None and month.end() == exc.pos_in_stream:
        # `fiscal_year_start 4%`: the number is there, the percentage is what does not belong
        start = exc.column - len(month.group(1))
        return Diagnostic(
            "E118", "fiscal_year_start takes a month name or its number, 1 to 12, not a percentage",
            Location(path, exc.line, start, exc.line, exc.column + 1),
            help="write fiscal_year_start april or fiscal_year_start 4",
        )
    if char in "%％" and not _after_number(text, exc.pos_in_stream):
        return Diagnostic(
            "E115",
            "a percentage needs a number before '%'",
            loc,
            help="write the number and the sign together, e.g. 30%",
        )
    if char in "\u00a0\u3000\u2002\u2003\u2009\u200b":
        name = unicodedata.name(char, f"U+{ord(char):04X}")
        help_text = "replace it with an ordinary space"
        if _split_number(text, exc.pos_in_stream + 1):  # between two digits: inside a number
            help_text = "a number cannot contain spaces; remove it"
        return Diagnostic(
            "E116", f"invisible character {name} (U+{ord(char):04X}) is not allowed here", loc,
            help=help_text,
        )
    if char == '"' or char == "“":
        return Diagnostic(
            "E117", "this quoted text is never closed", loc, help="add the closing quote on the same line"
        )
    name = unicodedata.name(char, "") if char else ""
    shown = f"'{char}'" + (f" ({name})" if name and not char.isascii() else "")
    if char and unicodedata.category(char) == "Cc":  # a NUL or an escape would print as nothing, or act
        shown = f"U+{ord(char):04X} (a control character)"
    allowed = _acceptable(exc) if getattr(exc, "interactive_parser", None) else set(getattr(exc, "allowed", None) or ())
    message = f"unexpected character {shown}"
    if allowed:
        message += f"; expected {_expected_phrase(allowed)}"
    written, ascii_text = _ascii_twins(text, exc.pos_in_stream)
    if ascii_text and ascii_text not in ";.":
        # a full-width digit or operator typed with a Chinese input method (２００, ＝＝, 、)
        loc = Location(path, exc.line, exc.column, exc.line, exc.column + len(written))
        return Diagnostic("E118", message, loc,
                          help=f"write '{ascii_text}' for '{written}': digits and operators are written in ASCII")
    help_text = _slip_help(text, exc.pos_in_stream, allowed) or "remove it or check the line for a typo"
    return Diagnostic("E118", message, loc, help=help_text)


#: operators of other languages, the terminal this one writes for them, and its text
_FOREIGN_OPERATORS = {"&&": ("AND", "and"), "&": ("AND", "and"), "||": ("OR", "or"), "|": ("OR", "or"),
                      "!": ("NOT", "not"), "=>": ("GE", ">="), "=<": ("LE", "<="), "≠": ("NE", "!=")}
_MONEY_SIGNS = {"$": "USD", "¥": "CNY", "￥": "CNY", "€": "EUR", "£": "GBP"}
_AMOUNT = r"[0-9][0-9_,]*(?:\.[0-9]+)?[万亿]?"


def _slip_help(text: str, pos: int, allowed: set[str]) -> str | None:
    """The help for a character that is a habit from spreadsheets, SQL or programming
    languages (`=`, `&&`, `'text'`, `;`, `$3000`): what to write instead, where that is what
    can come there (`allowed`); None for others."""
    char, pair = text[pos].replace("；", ";"), text[pos:pos + 2]
    if char == "=" and allowed and allowed <= {"GE", "LE"}:
        return TARGET_DIRECTION_HELP
    if char in "=&|" and "COLON" in allowed:
        # `[0%, 80%) => 0`, `[90, ∞) = "A"`: a row's range and its value
        written = pair if pair in ("=>", "==") else char
        return f"write ':' for '{written}': a row is written `<range>: <value>`"
    if char == "=" and pair == "=>" and "TO" in allowed:
        return "write 'to' for '=>': effective 2026-01-01 to 2026-12-31"
    written = pair if pair in _FOREIGN_OPERATORS else char if char in _FOREIGN_OPERATORS and pair != "!=" else None
    if written is not None and _FOREIGN_OPERATORS[written][0] in allowed:
        instead = _FOREIGN_OPERATORS[written][1]
        return f"write '{instead}' for '{written}'"
    if written is not None:
        return None
    if char == "=" and "EQ" in allowed:
        return "write '==' to compare: a single '=' is not an operator here"
    if char == "=":
        return "remove it: a statement's value follows its keyword without '=' (weight 30%, not weight = 30%)"
    if char in "'‘’`":
        return _quoted_help(text, pos)
    if char == ";":
        return "remove it: statements are separated by spaces or new lines, not ';'"
    if char in "%％":
        # `1e1%`: a number in exponent form takes no percent sign
        power = re.search(r"(\d+(?:\.\d+)?[eE][+-]?\d+)\Z", text[:pos])
        if power is not None:
            return f"write the percentage with digits and a point: {Decimal(power.group(1)).normalize():f}%"
    if char in _MONEY_SIGNS:
        code = _MONEY_SIGNS[char]
        if allowed == {"NAME"}:  # `currency ￥`
            return f"write the currency code: {code}"
        after = re.match(r"[ \t]*(" + _AMOUNT + ")", text[pos + 1:])
        before = re.search("(" + _AMOUNT + r")[ \t]*\Z", text[text.rfind("\n", 0, pos) + 1:pos])
        found = after or before
        number = found.group(1).replace(",", "") if found is not None else "500000"
        return f"write the currency code after the amount: {number} {code}"
    return None


def _quoted_help(text: str, pos: int) -> str:
    """E118's help at a single quote, a typographic one or a backtick: a text is written in
    double quotes (`'won'` -> `"won"`); a quote between digits groups them (`3'000`)."""
    if text[pos] == "'" and text[pos - 1:pos].isdigit() and text[pos + 1:pos + 2].isdigit():
        digits = re.match(r"[0-9']+", text[pos + 1:])
        head = re.search(r"[0-9]+\Z", text[:pos])
        number = (head.group() if head else "") + digits.group().replace("'", "")
        return f"write the number without the ': {number}"
    closing = {"'": "'", "‘": "’", "’": "’", "`": "`"}[text[pos]]
    line = text[pos + 1:].split("\n", 1)[0]
    end = line.rfind(closing)  # the last on the line: an apostrophe inside (rep's) is part of it
    if end < 0:
        return 'write a text in double quotes: "..."'
    inner = line[:end].replace("\\", "\\\\").replace('"', '\\"')
    return f'write a text in double quotes: "{inner}"'


_FISCAL_MONTH = re.compile(r"\bfiscal_year_start[ \t]+(\d+(?:\.\d+)?)\Z")


def _after_number(text: str, pos: int) -> bool:
    """Whether a number is written right before pos (`4%`): the percentage is whole, but
    not allowed where it is."""
    return pos > 0 and text[pos - 1].isdigit()


# characters a Chinese input method types for an ASCII one that NFKC does not map
_TWINS = {"、": ",", "。": ".", "【": "[", "】": "]", "〔": "(", "〕": ")", "×": "*", "÷": "/", "－": "-", "—": "-"}


def _ascii_twins(text: str, start: int) -> tuple[str, str]:
    """The run of characters from `start` that stand for ASCII ones (full-width digits and
    operators, the ideographic comma), and that ASCII text; ("", "") when there is none."""
    end, twins = start, []
    while end < len(text) and not text[end].isascii():
        twin = _TWINS.get(text[end]) or unicodedata.normalize("NFKC", text[end])
        if not (twin.isascii() and twin.isprintable() and not twin.isspace()):
            break
        twins.append(twin)
        end += 1
    return text[start:end], "".join(twins)
