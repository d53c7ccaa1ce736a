"""The JSON outputs' text (report/jsontext.py) is the standard library's indented JSON, written faster."""

from __future__ import annotations

import json

from kpirules.report.jsontext import indented


def test_the_text_is_what_json_dumps_writes():
    data = {"name": "张伟 Müller", "quote": 'a "b" \\ c', "control": "tab\there\nline\x01", "empty": {},
            "none": [], "nested": [{"x": None, "y": True, "z": False, "n": -12}], 3: "an int key"}
    assert indented(data) == json.dumps(data, ensure_ascii=False, indent=2)


def test_an_integer_beyond_64_bits_is_written_too():
    data = {"big": 2**70, "list": [1]}  # orjson refuses it; the json module writes it
    assert indented(data) == json.dumps(data, ensure_ascii=False, indent=2)
    assert json.loads(indented(data))["big"] == 2**70
