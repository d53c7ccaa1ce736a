"""What the salesforce_report tests share: the fixtures' paths, a declaration, column maps,
and a local stand-in for a Salesforce org (named apart from the other test folders' helpers,
since every test folder's modules share one import namespace)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPORT_ID = "00O5g00000AbCdEAAV"

DEALS = """\
dataset deals {
  person owner_id
  key deal_id
  date closed_on
  column deal_id string
  column owner_id string
  column account string
  column closed_on date
  column amount money non_negative
}
"""

#: the declared columns of DEALS, by the labels of the fixture report
BY_LABEL = {"deal_id": "Opportunity Name", "owner_id": "Opportunity Owner", "account": "Account Name",
            "closed_on": "Close Date", "amount": "Amount"}
#: the same columns by API name
BY_API_NAME = {"deal_id": "OPPORTUNITY_NAME", "owner_id": "FULL_NAME", "account": "ACCOUNT_NAME",
               "closed_on": "CLOSE_DATE", "amount": "AMOUNT"}


@dataclass
class FakeSalesforce:
    """A local stand-in for a Salesforce org: answers GETs from `routes`, records what it was asked."""

    url: str = ""
    #: path with query -> (status, body)
    routes: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)

    def answer(self, path: str, status: int, body: object) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.routes[path] = (status, data)


@contextmanager
def serving(fake: FakeSalesforce) -> Iterator[FakeSalesforce]:
    """Serve `fake` on 127.0.0.1 (a free port) while the block runs."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            fake.requests.append({"path": self.path, "headers": dict(self.headers)})
            status, body = fake.routes.get(self.path, (404, b'[{"message":"no route","errorCode":"NOT_FOUND"}]'))
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep the test output clean
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
