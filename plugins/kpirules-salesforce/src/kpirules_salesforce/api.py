"""Running a report over the Analytics REST API (Execute Sync, with details).

    GET {instance_url}/services/data/v{api_version}/analytics/reports/{report_id}?includeDetails=true
    Authorization: Bearer <access token>

The token never appears in a message: errors name the environment variable it came from.
Salesforce answers errors with a JSON list of {message, errorCode}.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

LOOPBACK = ("localhost", "127.0.0.1", "::1")


class ApiError(Exception):
    """The API did not answer with a report; the message says why, the help what to do."""

    def __init__(self, message: str, help: str):
        super().__init__(message)
        self.help = help


def report_url(instance_url: str, api_version: str, report_id: str) -> str:
    base = instance_url.rstrip("/")
    return f"{base}/services/data/v{api_version}/analytics/reports/{quote(report_id, safe='')}?includeDetails=true"


def insecure(url: str) -> bool:
    """True for a plain-http URL to anything but this machine: a token must not travel that way."""
    parts = urlsplit(url)
    return parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK)


def fetch_report(url: str, token: str, token_env: str, timeout: float) -> bytes:
    """The body of a successful report run; ApiError for anything else."""
    request = urllib.request.Request(url, headers={
        "Authorization": f"Bearer {token}", "Accept": "application/json",
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise _http_error(exc, url, token_env) from None
    except urllib.error.URLError as exc:
        raise ApiError(f"cannot reach {_site(url)}: {exc.reason}",
                       "check instance_url and the network; kpirules calls the API directly") from None
    except TimeoutError:
        raise ApiError(f"{_site(url)} did not answer within {timeout:g} seconds",
                       "raise timeout_seconds, or filter the report to fewer rows") from None


def _http_error(exc: urllib.error.HTTPError, url: str, token_env: str) -> ApiError:
    said = _salesforce_says(exc.read())
    status = f"{exc.code}" + (f" {said}" if said else "")
    what = f"HTTP {status}"
    if exc.code == 401:
        return ApiError(f"Salesforce refused the access token in ${token_env} ({what})",
                        f"get a new access token (they expire) and export it as {token_env}")
    if exc.code == 403:
        return ApiError(f"Salesforce denied access to the report ({what})",
                        "the token's user needs the API Enabled permission and access to the report's folder")
    if exc.code == 404:
        return ApiError(f"Salesforce has no such report or API version ({what})",
                        "check report_id (the 00O... id in the report's URL) and api_version")
    return ApiError(f"{_site(url)} answered HTTP {status}", "try again later; if it persists, check the report in Salesforce")


def _salesforce_says(body: bytes) -> str:
    """'ERROR_CODE: message' from Salesforce's error list, or the start of the body."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        text = body.decode("utf-8", errors="replace").strip()
        return text[:200]
    items = doc if isinstance(doc, list) else [doc]
    said = [f"{i.get('errorCode')}: {i.get('message')}" if i.get("errorCode") else str(i.get("message"))
            for i in items if isinstance(i, dict) and ("message" in i or "errorCode" in i)]
    return "; ".join(said)[:300]


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
