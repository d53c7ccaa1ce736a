"""The Jiandaoyun open API (v5): a form's widgets and its records, page by page.

    POST {base_url}/api/v5/app/entry/widget/list   {"app_id", "entry_id"}
    POST {base_url}/api/v5/app/entry/data/list     {"app_id", "entry_id", "limit", "data_id", "filter"}
    Authorization: Bearer <API key>

The data list answers in data ID order, at most `limit` (1-100) records a page; the next
page starts after the `data_id` given, the last record's `_id`; a page shorter than
`limit` is the last. Errors come as HTTP 400 with {"code", "msg"} (429 past the
concurrency limit; code 8303 past the rate limit, both retried after a pause).
The key never appears in a message: errors name the environment variable it came from.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

WIDGETS_PATH = "/api/v5/app/entry/widget/list"
DATA_PATH = "/api/v5/app/entry/data/list"
LOOPBACK = ("localhost", "127.0.0.1", "::1")
RATE_LIMITED = 8303
#: pauses before retrying a rate-limited request, in seconds
RETRY_PAUSES = (1.0, 2.0, 4.0)


class ApiError(Exception):
    """The API did not answer as documented; the message says why, the help what to do."""

    def __init__(self, message: str, help: str):
        super().__init__(message)
        self.help = help


def insecure(url: str) -> bool:
    """True for a plain-http URL to anything but this machine: a key must not travel that way."""
    parts = urlsplit(url)
    return parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK)


class Client:
    def __init__(self, base_url: str, api_key: str, api_key_env: str, timeout: float, pauses=RETRY_PAUSES):
        self.base_url = base_url.rstrip("/")
        self._key = api_key
        self.key_env = api_key_env
        self.timeout = timeout
        self.pauses = pauses
        self.requests = 0

    def widgets(self, app_id: str, entry_id: str) -> dict:
        return self.post(WIDGETS_PATH, {"app_id": app_id, "entry_id": entry_id})

    def records(self, app_id: str, entry_id: str, limit: int, filter: dict | None) -> Iterator[list[dict]]:
        """Each page of records, in data ID order, until a page shorter than `limit`."""
        cursor: str | None = None
        while True:
            body: dict[str, Any] = {"app_id": app_id, "entry_id": entry_id, "limit": limit}
            if cursor:
                body["data_id"] = cursor
            if filter:
                body["filter"] = filter
            answer = self.post(DATA_PATH, body)
            page = answer.get("data")
            if not isinstance(page, list):
                raise ApiError(f"POST {DATA_PATH} answered without a `data` array",
                               "check base_url: it must be the open API's address")
            yield page
            if len(page) < limit:
                return
            last = page[-1].get("_id") if isinstance(page[-1], dict) else None
            if not isinstance(last, str):
                raise ApiError(f"POST {DATA_PATH} gave a full page whose last record has no _id, so the next "
                               "page cannot be asked for", "check base_url: it must be the open API's address")
            if last == cursor:
                raise ApiError(f"POST {DATA_PATH} ignored data_id: asked for the records after {cursor}, it "
                               f"answered a page ending with {cursor} again", "check base_url: it must be the "
                               "open API's address (a proxy in between may drop the request body)")
            cursor = last

    def post(self, path: str, body: dict) -> dict:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        pauses = list(self.pauses)
        while True:
            request = urllib.request.Request(self.base_url + path, data=data, method="POST", headers={
                "Authorization": f"Bearer {self._key}", "Content-Type": "application/json; charset=utf-8",
            })
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return _json(response.read(), path)
            except urllib.error.HTTPError as exc:
                status, said = exc.code, _error_body(exc.read())
                if pauses and (status == 429 or said.get("code") == RATE_LIMITED):
                    time.sleep(pauses.pop(0))
                    continue
                raise self._refused(path, status, said) from None
            except urllib.error.URLError as exc:
                raise ApiError(f"cannot reach {self.base_url}: {exc.reason}",
                               "check base_url and the network; kpirules calls the API directly") from None
            except TimeoutError:
                raise ApiError(f"{self.base_url} did not answer POST {path} within {self.timeout:g} seconds",
                               "raise timeout_seconds, or try again later") from None

    def _refused(self, path: str, status: int, said: dict) -> ApiError:
        detail = ", ".join(f"{k} {said[k]}" for k in ("code", "msg") if k in said)
        what = f"HTTP {status}" + (f", {detail}" if detail else "")
        if status == 429 or said.get("code") == RATE_LIMITED:
            return ApiError(f"Jiandaoyun kept refusing POST {path} as over its rate limit ({what})",
                            "run again later, or with fewer kpirules runs at once on this API key")
        if status in (401, 403):
            return ApiError(f"Jiandaoyun refused the API key in ${self.key_env} ({what})",
                            f"check the key in {self.key_env}: 开放平台 > 密钥管理, enabled, and authorised "
                            "for this app and for the form and data APIs")
        return ApiError(f"Jiandaoyun refused POST {path} ({what})",
                        f"check the API key in {self.key_env} (开放平台 > 密钥管理: enabled, authorised for "
                        "this app) and app_id and entry_id (开放平台 > 参数说明)")


def _json(body: bytes, path: str) -> dict:
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(f"POST {path} answered with something that is not JSON ({exc})",
                       "check base_url: it must be the open API's address") from None
    if not isinstance(doc, dict):
        raise ApiError(f"POST {path} answered with a JSON {type(doc).__name__}, not an object",
                       "check base_url: it must be the open API's address")
    return doc


def _error_body(body: bytes) -> dict:
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {"msg": body.decode("utf-8", errors="replace").strip()[:200]} if body.strip() else {}
    return doc if isinstance(doc, dict) else {}
