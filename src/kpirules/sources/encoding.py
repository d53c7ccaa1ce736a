"""Text encodings of exported files: detect, and transcode to UTF-8.

Chinese spreadsheet exports come as UTF-8, UTF-8 with a BOM, GBK/GB18030 or UTF-16.
Detection looks at the first 64 KiB: a BOM decides; NUL bytes in every other position
mean UTF-16 without a BOM; then the first of UTF-8 and GB18030 (a superset of GBK) that
decodes the sample strictly wins.
"""

from __future__ import annotations

import codecs
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
    for candidate in ("utf-8", "gb18030"):
        if decodes(sample, candidate, whole_file):
            return candidate
    return None


def decodes(sample: bytes, encoding: str, whole_file: bool) -> bool:
    try:
        # final=False: a sample cut in the middle of a character still counts as decodable
        codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=whole_file)
        return True
    except UnicodeError:  # a decoding error, or (UTF-16) a stream without its byte order mark
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
