"""Collect every problem found while resolving a scheme, rather than stopping at the first."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from kpirules.errors import Diagnostic, SchemeError
from kpirules.lang.ast import Span
from kpirules.model.currency_words import CURRENCY_WORDS, is_currency_code, not_a_currency_help


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean 'x'?" help line when a candidate is close to the misspelt name."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def suggest(name: str, candidates: Iterable[str], then: str) -> str:
    """A help line: "did you mean 'x'?" when a candidate is close, then what the choices are."""
    suggestion = did_you_mean(name, candidates)
    return f"{suggestion} {then}" if suggestion else then


def known(kind: str, candidates: Iterable[str], limit: int = 8) -> str:
    names = sorted(candidates)
    if not names:
        return f"no {kind} are declared"
    shown = ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
    return f"known {kind}: {shown}"


def date_column_help(owner: str, column: str, columns: Mapping) -> str:
    """E308's help: the date and timestamp columns of the dataset to name instead, or how to declare one."""
    dates = [name for name, spec in columns.items() if spec.type in ("date", "timestamp")]
    if dates:
        return f"name a date or timestamp column of {owner}: {', '.join(dates)}"
    return f"{owner} has no date or timestamp column; if {column} holds dates, declare it `column {column} date`"


class Problems:
    """A list of diagnostics with helpers to add them at a span."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, span: Span | None, message: str, help: str | None = None) -> None:
        self.diagnostics.append(
            Diagnostic(code, message, span.location() if span else None, help=help)
        )

    def foreign_amount(self, literal, currency: str) -> bool:
        """Report (E303) an amount written in a currency other than the scheme's: every
        amount kpirules reads is in the scheme's currency. True when it did."""
        if literal.type != "money" or literal.currency == currency:
            return False
        code = literal.currency or ""
        if not is_currency_code(code):
            # `cap 8万元`: the word is no code at all (E305), as where an expression reads it
            self.error("E305", literal.span, f"'{code}' is not a currency code", not_a_currency_help(literal, currency))
            return True
        if CURRENCY_WORDS.get(code) == currency:  # `3000 RMB` in a CNY scheme
            number = literal.text.removesuffix(code).strip()
            self.error("E303", literal.span, f"{literal.text} is not in the scheme's currency ({currency})",
                       f"write the currency code: {number} {currency}")
            return True
        self.error("E303", literal.span, f"{literal.text} is not in the scheme's currency ({currency})",
                   f"write the amount in {currency}")
        return True

    def unknown(self, code: str, kind: str, name: str, span: Span, candidates: Iterable[str]) -> None:
        candidates = list(candidates)
        # kind is "dataset" or "column of leads": the name goes after the noun, the plural on it
        noun, _, owner = kind.partition(" of ")
        owner = f" of {owner}" if owner else ""
        self.error(
            code,
            span,
            f"unknown {noun} '{name}'{owner}",
            did_you_mean(name, candidates) or known(f"{noun}s{owner}", candidates),
        )

    def reported_at(self, span: Span) -> bool:
        """Whether a problem is already reported at exactly this span: a second one there,
        of the same thing, would say it again."""
        location = span.location()
        return any(d.location == location for d in self.diagnostics)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    def __bool__(self) -> bool:
        return bool(self.diagnostics)

    def raise_if_any(self) -> None:
        if self.diagnostics:
            raise SchemeError(sorted(self.diagnostics, key=Diagnostic.sort_key))
