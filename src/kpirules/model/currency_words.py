"""What a word written after a number was most likely meant as, when it is no currency code.

The lexer reads a word after a number as the amount's currency (`3000 CNY`); people also
write `3000元`, `2千`, `30天`, `200次` or `200 cny`. The help says what to write instead.
"""

from __future__ import annotations

import re

from kpirules.lang import ast
from kpirules.lang.syntax_errors import MULTIPLIERS, multiplied

#: words written after an amount that stand for a currency: the code to write instead
CURRENCY_WORDS = {
    "元": "CNY", "块": "CNY", "圆": "CNY", "人民币": "CNY", "RMB": "CNY", "rmb": "CNY", "yuan": "CNY",
    "美元": "USD", "美金": "USD", "欧元": "EUR", "港元": "HKD", "港币": "HKD", "日元": "JPY", "英镑": "GBP",
}
#: counting words written after a number (`3个`, `200次`)
COUNTERS = {"个", "次", "件", "通", "人", "单", "家", "位", "笔", "条", "名", "户", "份", "分"}
DAY_WORDS = {"天", "日", "day", "days", "Day", "Days", "d"}
GENERIC_HELP = "write an ISO 4217 code after the amount, e.g. 500000 CNY or 50万 CNY"


def is_currency_code(code: str) -> bool:
    """Whether a word has the form of an ISO 4217 code: three capital letters."""
    return len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()


def _code_of(word: str) -> str | None:
    """The code of a currency word, or of several run together (`元人民币`)."""
    if word in CURRENCY_WORDS:
        return CURRENCY_WORDS[word]
    for known in sorted(CURRENCY_WORDS, key=len, reverse=True):
        if word.startswith(known) and _code_of(word[len(known):]) == CURRENCY_WORDS[known]:
            return CURRENCY_WORDS[known]
    return None


def not_a_currency_help(e: ast.Literal_, currency: str | None = None) -> str:
    """E305's help for an amount whose word is not a currency code: what the word was most
    likely meant as (`3000元`, `2千`, `3千元`, `30天`, `200次`, `200 cny` in a CNY scheme), else
    how a currency is written. `currency` is the scheme's."""
    word = e.currency or ""
    number = e.text.removesuffix(word).strip()
    code = _code_of(word)
    if code is not None:
        return f"write the currency code: {number} {code}"
    # `3千元`, `3千CNY`, `3千`
    code = _code_of(word[1:]) or (word[1:] if is_currency_code(word[1:]) else None)
    if word[:1] in MULTIPLIERS and (code is not None or not word[1:]):
        whole = multiplied(number, MULTIPLIERS[word[0]])
        if whole is not None and code is not None:
            return f"write the currency code: {whole} {code}"
        if whole is not None:
            return f"write the whole number, {whole}: of the multipliers only 万 and 亿 are read"
    if word[:1] in ("万", "亿") and e.text[len(number):len(number) + 1].isspace():
        # `50 万`: the multiplier is read only right after its digits
        return f"write {word[0]} right after the digits: {number}{word}"
    if word == "d" and re.fullmatch(r"[0-9][0-9_]*\.[0-9_]+", number):
        # `1.5d`: a duration is whole days
        return "a duration is a whole number of days: write it without a fraction, e.g. 2d"
    if word in DAY_WORDS and re.fullmatch(r"[0-9][0-9_]*", number):
        days = number.replace("_", "")  # a duration is digits alone
        return f"write a number of days as a duration: {days}d"
    if word in COUNTERS:
        return f"write the number alone: {number}"
    if word.isascii() and word.upper() == currency:  # `200 cny` in a CNY scheme
        upper = word.upper()
        return f"write the code in capitals: {number} {upper}"
    return GENERIC_HELP
