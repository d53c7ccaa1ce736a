"""What the jiandaoyun tests share: the saved answers, a declaration, and a local stand-in for the
open API (named apart from the other test folders' helpers, since every test folder's modules
share one import namespace)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = FIXTURES / "contracts"
APP_ID = "6601a0b1c2d3e4f5a6b7c8d9"
ENTRY_ID = "6601a0b1c2d3e4f5a6b7c8da"
API_KEY = "jdy-test-key-Qm9ndXNLZXk"

CONTRACTS = """\
dataset contracts {
  person owner_id
  key contract_id
  date signed_on
  column contract_id string
  column owner_id string
  column customer string
  column signed_on date
  column amount money non_negative
}
"""

#: the declared columns of CONTRACTS by the form's titles
BY_TITLE = {"contract_id": "合同编号", "owner_id": "负责销售", "customer": "客户名称", "signed_on": "签约日期",
            "amount": "合同金额"}


def saved_records() -> list[dict]:
    return [r for i in (1, 2, 3) for r in json.loads((PAGES / f"data-list-{i}.json").read_text("utf-8"))["data"]]


@dataclass
class FakeJiandaoyun:
    """Answers the v5 widget list and data list as documented, from the saved fixture records."""

    url: str = ""
    records: list[dict] = field(default_factory=saved_records)
    widgets: dict = field(default_factory=lambda: json.loads((PAGES / "widgets.json").read_text("utf-8")))
    #: what a request with another key gets: (HTTP status, body)
    wrong_key: tuple[int, dict] = (400, {"code": 8301, "msg": "API Key 无效"})
    #: answer this many data-list requests with 429 first (the concurrency limit)
    busy: int = 0
    requests: list[dict] = field(default_factory=list)

    def answer(self, path: str, key: str, body: dict) -> tuple[int, dict]:
        if key != f"Bearer {API_KEY}":
            return self.wrong_key
        if (body.get("app_id"), body.get("entry_id")) != (APP_ID, ENTRY_ID):
            return 400, {"code": 1, "msg": "The request is invalid."}
        if path == "/api/v5/app/entry/widget/list":
            return 200, self.widgets
        if path != "/api/v5/app/entry/data/list":
            return 404, {"code": 1, "msg": "not found"}
        if self.busy:
            self.busy -= 1
            return 429, {}
        limit = body.get("limit", 10)
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            return 400, {"code": 1, "msg": "The request is invalid."}
        ordered = sorted(self.records, key=lambda r: r["_id"])  # "始终按照数据 ID 正序排列"
        after = body.get("data_id")
        rest = [r for r in ordered if after is None or r["_id"] > after]
        return 200, {"data": rest[:limit]}


@contextmanager
def serving(fake: FakeJiandaoyun) -> Iterator[FakeJiandaoyun]:
    """Serve `fake` on 127.0.0.1 (a free port) while the block runs."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the name http.server calls
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.loads(raw.decode("utf-8"))
            fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            status, answer = fake.answer(self.path, self.headers.get("Authorization", ""), body)
            data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
