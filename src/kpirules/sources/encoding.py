"""Text encodings of exported files: detect, and transcode to UTF-8.

Chinese spreadsheet exports come as UTF-8, UTF-8 with a BOM, GBK/GB18030 or UTF-16.
Detection looks at the first 64 KiB: a BOM decides; NUL bytes in every other position
mean UTF-16 without a BOM; then UTF-8, if it decodes the sample strictly; then GB18030 (a
superset of GBK), if it decodes the sample strictly and the text reads as Chinese.

GB18030 decodes almost any bytes: Latin-1 or Windows-1252 text whose accented letters are
each followed by a letter decodes too ("Münster" as "M黱ster"). Its accented letters then
become rare characters outside GB2312, the 6,763 characters (and the punctuation) of
everyday simplified Chinese, while Chinese text is mostly GB2312 even with a few rare names
(喆, 堃) among it. So GB18030 is taken only when at least half of the non-ASCII characters
it reads are GB2312; otherwise the encoding is not known (`unlike_chinese` says why).
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 4 * 1024 * 1024
UTF8_NAMES = {"utf-8", "utf-8-sig"}


def normalise(name: str) -> str:
    """The codec's canonical name (LookupError for an unknown encoding)."""
    canonical = codecs.lookup(name).name
    return {"utf_8": "utf-8", "utf-8": "utf-8", "utf_8_sig": "utf-8-sig"}.get(canonical, canonical)


def detect(sample: bytes, whole_file: bool) -> str | None:
    """The encoding of a file that starts with sample, or None when no candidate fits."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        return "utf-16-le" if odd > even else "utf-16-be"
    if decodes(sample, "utf-8", whole_file):
        return "utf-8"
    text = decoded(sample, "gb18030", whole_file)
    if text is not None and unlike_chinese(text) is None:
        return "gb18030"
    return None


def decodes(sample: bytes, encoding: str, whole_file: bool) -> bool:
    return decoded(sample, encoding, whole_file) is not None


def decoded(sample: bytes, encoding: str, whole_file: bool) -> str | None:
    """The sample as text in encoding, or None when it does not decode strictly."""
    try:
        # final=False: a sample cut in the middle of a character still counts as decodable
        return codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=whole_file)
    except UnicodeError:  # a decoding error, or (UTF-16) a stream without its byte order mark
        return None


@dataclass
class UnlikeChinese:
    """Text read as GB18030 whose non-ASCII characters are mostly rare ones (outside GB2312)."""

    rare: int
    non_ascii: int
    #: the first word holding a rare character, and its line, counted from 1
    word: str
    line: int


NON_ASCII = re.compile(r"[^\x00-\x7f]")


def unlike_chinese(text: str) -> UnlikeChinese | None:
    """Why text read as GB18030 is not taken as Chinese: fewer than half of its non-ASCII
    characters are GB2312 (None when at least half are)."""
    counts = Counter(NON_ASCII.findall(text))
    rare = {ch for ch in counts if not in_gb2312(ch)}
    rare_count = sum(counts[ch] for ch in rare)
    non_ascii = sum(counts.values())
    if 2 * rare_count <= non_ascii:
        return None
    first = next(i for i, ch in enumerate(text) if ch in rare)
    start, end = first, first + 1
    while start > 0 and text[start - 1].isalnum() and first - start < 20:
        start -= 1
    while end < len(text) and text[end].isalnum() and end - first < 20:
        end += 1
    return UnlikeChinese(rare_count, non_ascii, text[start:end], text.count("\n", 0, first) + 1)


def in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def refused_whole(sample: bytes, encoding: str) -> bool:
    """Whether the codec refuses the text as a whole (UTF-16 without a byte order mark)
    rather than at some bytes, which transcoding then names with their line."""
    try:
        # not final: an odd byte at the end is transcoding's to report, with its line
        codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    except UnicodeError:
        return True
    return False


@dataclass
class DecodeFailure:
    """Where a file stops being valid text in its encoding."""

    line: int
    byte_offset: int
    bad_bytes: bytes


def transcode_to_utf8(source: Path, encoding: str, target: Path) -> DecodeFailure | None:
    """Copy source to target as UTF-8, in chunks; stop at the first undecodable bytes."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines, offset = 1, 0
    with open(source, "rb") as fin, open(target, "wb") as fout:
        while True:
            chunk = fin.read(CHUNK_BYTES)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                before = exc.object[: exc.start]
                good = before.decode(encoding, errors="replace")
                return DecodeFailure(lines + good.count("\n"), offset + max(exc.start, 0),
                                     exc.object[exc.start: exc.end])
            if text.startswith("\ufeff") and offset == 0:
                text = text[1:]
            lines += text.count("\n")
            offset += len(chunk)
            fout.write(text.encode("utf-8"))
            if final:
                return None
