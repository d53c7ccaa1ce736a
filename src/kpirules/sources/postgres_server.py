"""Talking to a PostgreSQL server: connection strings, and the server's errors in people's words.

libpq takes a connection string in two spellings, `host=db port=5432 dbname=crm` and
`postgresql://user@db:5432/crm`; `parse_dsn` reads either into keywords, so options given
in kpirules.toml can override a DSN from the environment and the description can name the
server without its password. Every text that comes back from the driver passes through
`Secrets.scrub` before it reaches a message.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote

_URI = re.compile(r"^postgres(?:ql)?://", re.IGNORECASE)
_KEYWORD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*")
# libpq's wording for each kind of failure to connect (its messages are not localised here:
# the driver sets no lc_messages, and the client side is always English)
_AUTH_FAILED = ("password authentication failed", "no password supplied", "no pg_hba.conf entry",
                "role \"", "authentication failed", "password is required")
_NO_DATABASE = re.compile(r'database "(.*)" does not exist')


def parse_dsn(dsn: str) -> dict[str, str]:
    """The keywords of a libpq connection string, in either spelling.

    Raises ValueError saying what is malformed, never quoting the string (it may hold a password).
    """
    return _parse_uri(dsn.strip()) if _URI.match(dsn.strip()) else _parse_keywords(dsn)


def _parse_keywords(dsn: str) -> dict[str, str]:
    params: dict[str, str] = {}
    at = 0
    while dsn[at:].strip():
        found = _KEYWORD.match(dsn, at)
        if not found:
            raise ValueError(f"expected keyword=value at character {at + 1 + len(dsn[at:]) - len(dsn[at:].lstrip())}")
        key, at = found.group(1), found.end()
        value: list[str] = []
        quoted = at < len(dsn) and dsn[at] == "'"
        at += quoted
        while at < len(dsn):
            char = dsn[at]
            if char == "\\" and at + 1 < len(dsn):
                value.append(dsn[at + 1])
                at += 2
                continue
            if (quoted and char == "'") or (not quoted and char.isspace()):
                break
            value.append(char)
            at += 1
        if quoted:
            if at >= len(dsn):
                raise ValueError(f"the value of {key} has no closing quote")
            at += 1
        params[key] = "".join(value)
    return params


def _parse_uri(dsn: str) -> dict[str, str]:
    rest = _URI.sub("", dsn)
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    userinfo, at, hostspec = netloc.rpartition("@")
    params: dict[str, str] = {}
    if at:
        user, colon, password = userinfo.partition(":")
        if user:
            params["user"] = unquote(user)
        if colon:
            params["password"] = unquote(password)
    hosts, ports = [], []
    for part in hostspec.split(",") if hostspec else []:
        if part.startswith("["):  # an IPv6 address: [::1]:5432
            host, _, port = part[1:].partition("]")
            port = port.removeprefix(":")
        else:
            host, _, port = part.partition(":")
        hosts.append(unquote(host))
        ports.append(port)
    if any(hosts):
        params["host"] = ",".join(hosts)
    if any(ports):
        params["port"] = ",".join(ports)
    if path:
        params["dbname"] = unquote(path)
    for key, value in parse_qsl(query, keep_blank_values=True):
        params[key] = value
    return params


def render_dsn(params: dict[str, str]) -> str:
    """A keyword=value connection string libpq reads back exactly."""
    def quoted(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{key}={quoted(value)}" for key, value in params.items())


def server_name(params: dict[str, str]) -> str:
    """The server and database, as people name them: `user@host:port/dbname`, no password.

    What the connection string leaves out is what libpq would use: its PG* environment
    variables, then its defaults.
    """
    user = params.get("user") or os.environ.get("PGUSER")
    host = params.get("host") or os.environ.get("PGHOST") or "localhost"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    dbname = params.get("dbname") or os.environ.get("PGDATABASE") or user or _login_name()
    return f"{user + '@' if user else ''}{host}:{port}/{dbname}"


def _login_name() -> str:
    """libpq's default user (and database): the operating system's user name."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "postgres"


#: where PostgreSQL servers put their Unix socket: Debian and Ubuntu's, Red Hat's, then
#: libpq's compiled-in default (the driver's libpq looks only there)
SOCKET_DIRS = ("/var/run/postgresql", "/run/postgresql", "/tmp")


def local_socket_dir(port: str | None) -> str | None:
    """The folder holding a running local server's socket for the port, if any."""
    port = port or os.environ.get("PGPORT") or "5432"
    for folder in SOCKET_DIRS:
        if Path(folder, f".s.PGSQL.{port}").exists():
            return folder
    return None


@dataclass
class Secrets:
    """The texts that must never reach a message: a password, a whole DSN."""

    texts: list[str] = field(default_factory=list)

    def add(self, text: str | None) -> None:
        # very short secrets would blank out ordinary words; drivers never echo them anyway
        if text and len(text) >= 4:
            self.texts.append(text)
            self.texts.sort(key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.texts:
            text = text.replace(secret, "***")
        return text


@dataclass(frozen=True)
class ServerError:
    """One failure the server or libpq reported, in parts a message can use."""

    #: "connect", "auth" or "query"
    kind: str
    #: the server's own words, first line, without libpq's prefixes
    reason: str
    sqlstate: str | None = None
    #: 1-based character position in the statement, when the server gives one
    position: int | None = None


def server_error(exc: Exception, secrets: Secrets, *, connecting: bool) -> ServerError:
    """What went wrong, from an ADBC error (whose text may carry a DSN: it is scrubbed)."""
    details = {_text(k): _text(v) for k, v in (getattr(exc, "details", None) or [])}
    sqlstate = getattr(exc, "sqlstate", None) or details.get("PG_DIAG_SQLSTATE")
    primary = details.get("PG_DIAG_MESSAGE_PRIMARY")
    reason = secrets.scrub(primary or _libpq_reason(str(exc)))
    position = details.get("PG_DIAG_STATEMENT_POSITION")
    kind = "query"
    if connecting or (sqlstate or "").startswith("08"):
        lowered = reason.lower()
        kind = "auth" if any(words in lowered for words in _AUTH_FAILED) or sqlstate in ("28000", "28P01") \
            else "connect"
    at = int(position) if position and position.isdigit() else None
    if at is not None and "could not begin COPY" in str(exc):
        # counted in the driver's `COPY (query) TO STDOUT`, not in the query
        at = at - len("COPY (") if at > len("COPY (") else None
    return ServerError(kind, reason, sqlstate, at)


def missing_database(reason: str) -> str | None:
    found = _NO_DATABASE.search(reason)
    return found.group(1) if found else None


def _libpq_reason(text: str) -> str:
    # "IO: [libpq] Failed to connect: connection to server at "h", port 5 failed: FATAL:  why\n"
    text = re.sub(r"^[A-Z_]+: ", "", text.strip())
    text = re.sub(r"^\[libpq\] ", "", text)
    text = re.sub(r"^Failed to (connect|prepare query|execute query)[^:]*: ", "", text)
    text = re.sub(r"\. SQLSTATE: \w+$", "", text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else text
    first = re.sub(r"^connection to server (at|on) .*? failed: ", "", first)
    first = re.sub(r"^(FATAL|ERROR):\s+", "", first)
    # libpq adds "Is the server running ...?" on the next line: the message says it already
    return first


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
