"""The `postgres` source against a real PostgreSQL server.

.ci/run installs and starts Debian's PostgreSQL and exports KPIRULES_TEST_PG_DSN (host,
port, dbname, user) and KPIRULES_TEST_PG_PASSWORD. Without a reachable server these tests
skip, saying why, except under CI=true, where they fail: CI must not pass by skipping them.
Each test session works in its own schema, dropped at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpirules.errors import ConfigError, DataError
from kpirules.sources.postgres import PostgresSource
from kpirules.testing import check_source_contract, make_project

DSN_ENV = "KPIRULES_TEST_PG_DSN"
PASSWORD_ENV = "KPIRULES_TEST_PG_PASSWORD"

DEALS = """
dataset deals "成交" {
  person owner_id
  key deal_id
  column deal_id string
  column owner_id string
  column units integer
  column amount money
  column signed_on date
  column signed_at timestamp
  column won boolean
}
"""

DEALS_TABLE = """
CREATE TABLE {schema}.deals (
  deal_id text PRIMARY KEY, owner_id text, units integer, amount numeric(12, 2),
  signed_on date, signed_at timestamptz, won boolean, note text
);
INSERT INTO {schema}.deals VALUES
  ('D1', '韦刚', 3, 1200.50, '2026-01-05', '2026-01-05 01:30:00+00', true, '首单'),
  ('D2', '段佳怡', -2, -99.99, '2026-01-31', '2026-01-31 16:30:00+00', false, NULL),
  ('D3', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE {schema}.empty_deals (LIKE {schema}.deals);
CREATE TABLE {schema}.ledger (deal_id text, amount money);
INSERT INTO {schema}.ledger VALUES ('D1', 12.34);
CREATE TABLE {schema}."Local Times" ("Deal" text, "SignedLocal" timestamp);
INSERT INTO {schema}."Local Times" VALUES ('D1', '2026-01-05 01:30:00');
"""

# What DEALS_TABLE loads as, in the scheme's zone, Asia/Shanghai (UTC+8):
#   D1 signed 01:30 UTC on 5 January  -> 09:30 the same day
#   D2 signed 16:30 UTC on 31 January -> 00:30 on 1 February (the next day in Shanghai)
EXPECTED_DEALS = [
    ("D1", "韦刚", 3, Decimal("1200.5000"), dt.date(2026, 1, 5), dt.datetime(2026, 1, 5, 9, 30), True),
    ("D2", "段佳怡", -2, Decimal("-99.9900"), dt.date(2026, 1, 31), dt.datetime(2026, 2, 1, 0, 30), False),
    ("D3", None, None, None, None, None, None),
]
EXPECTED_TYPES = [
    ("deal_id", "VARCHAR"), ("owner_id", "VARCHAR"), ("units", "BIGINT"), ("amount", "DECIMAL(18,4)"),
    ("signed_on", "DATE"), ("signed_at", "TIMESTAMP"), ("won", "BOOLEAN"),
]


@dataclass
class Server:
    """The test server: where it is, and a schema of this session's tables."""

    host: str
    port: int
    dbname: str
    user: str
    password: str
    schema: str

    def options(self, **extra) -> dict:
        return {"host": self.host, "port": self.port, "dbname": self.dbname, "user": self.user,
                "password_env": PASSWORD_ENV, **extra}

    def dsn(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL tests cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(f"{reason} (.ci/run starts a server and sets {DSN_ENV} and {PASSWORD_ENV})")


@pytest.fixture(scope="session")
def server():
    """The PostgreSQL server of .ci/run with this session's tables; skipped without one, failed under CI."""
    import adbc_driver_manager
    import adbc_driver_postgresql.dbapi as adbc

    from kpirules.sources.postgres_server import parse_dsn, render_dsn

    dsn, password = os.environ.get(DSN_ENV), os.environ.get(PASSWORD_ENV)
    if not dsn or password is None:
        _unavailable(f"{DSN_ENV} or {PASSWORD_ENV} is not set")
    params = parse_dsn(dsn)
    try:
        connection = adbc.connect(render_dsn({**params, "password": password, "connect_timeout": "5"}),
                                  autocommit=True)
    except adbc_driver_manager.Error as exc:
        _unavailable(f"cannot connect to the PostgreSQL server in {DSN_ENV}: {str(exc).strip()}")
    schema = f"kpirules_t_{uuid.uuid4().hex[:8]}"
    cursor = connection.cursor()
    cursor.execute(f"CREATE SCHEMA {schema}")
    for statement in DEALS_TABLE.format(schema=schema).split(";"):
        if statement.strip():
            cursor.execute(statement)
    try:
        yield Server(params.get("host", "localhost"), int(params.get("port", 5432)), params["dbname"],
                     params["user"], password, schema)
    finally:
        cursor.execute(f"DROP SCHEMA {schema} CASCADE")
        cursor.close()
        connection.close()


def _load(folder, options: dict, declaration: str = DEALS):
    project = make_project(folder, declaration, {"deals": {"source": "postgres", **options}},
                           timezone="Asia/Shanghai")
    return project.load()


def _rows(con, table: str = "deals") -> list[tuple]:
    return con.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()


# ---------------------------------------------------------------------- loading


def test_table_loads_declared_types_and_exact_values(workdir, server):
    con, report = _load(workdir, server.options(table=f"{server.schema}.deals"))
    assert [(n, t) for n, t, *_ in con.execute("DESCRIBE deals").fetchall()] == EXPECTED_TYPES
    assert sorted(_rows(con), key=lambda r: r[0]) == EXPECTED_DEALS
    load = report["deals"]
    assert (load.source, load.rows, load.rejected) == ("postgres", 3, 0)
    assert load.description == (f"PostgreSQL {server.user}@{server.host}:{server.port}/{server.dbname} "
                                f"(table {server.schema}.deals)")


def test_query_source_with_comments_and_a_final_semicolon(workdir, server):
    query = f"-- the won deals only\nSELECT * FROM {server.schema}.deals\nWHERE won -- as exported"
    con, report = _load(workdir, server.options(query=query))
    assert _rows(con) == [EXPECTED_DEALS[0]]
    assert report["deals"].description.endswith(f"/{server.dbname} (query)")
    con, _ = _load(workdir, server.options(query=f"SELECT * FROM {server.schema}.deals WHERE NOT won ;\n\n"))
    assert _rows(con) == [EXPECTED_DEALS[1]]


def test_rename_and_timezone_of_naive_timestamps(workdir, server):
    declaration = "dataset stamps {\n  person deal_id\n  column deal_id string\n  column signed_at timestamp\n}"
    project = make_project(workdir, declaration, {"stamps": {
        "source": "postgres", **server.options(table=f"{server.schema}.Local Times"),
        "rename": {"Deal": "deal_id", "SignedLocal": "signed_at"}, "timezone": "UTC",
    }}, timezone="Asia/Shanghai")
    con, _ = project.load()
    # a naive 01:30 read as UTC is 09:30 in Shanghai
    assert _rows(con, "stamps") == [("D1", dt.datetime(2026, 1, 5, 9, 30))]


def test_connection_string_from_the_environment(workdir, server, monkeypatch):
    monkeypatch.setenv("CRM_DSN", server.dsn())
    con, report = _load(workdir, {"dsn_env": "CRM_DSN", "table": f"{server.schema}.deals"})
    assert len(_rows(con)) == 3
    assert server.password not in report["deals"].description
    # keyword spelling, with the options overriding the DSN's database
    monkeypatch.setenv("CRM_DSN", f"host={server.host} port={server.port} dbname=postgres user={server.user} "
                                  f"password='{server.password}'")
    con, _ = _load(workdir, {"dsn_env": "CRM_DSN", "dbname": server.dbname, "table": f"{server.schema}.deals"})
    assert len(_rows(con)) == 3


def test_password_file_outside_the_project(tmp_path, server, monkeypatch):
    project, secrets = tmp_path / "project", tmp_path / "secrets"
    project.mkdir()
    secrets.mkdir()
    (secrets / "crm").write_text(server.password + "\n", encoding="utf-8")
    monkeypatch.chdir(project)
    options = {**server.options(table=f"{server.schema}.deals"), "password_file": str(secrets / "crm")}
    del options["password_env"]
    con, _ = _load(project, options)
    assert len(_rows(con)) == 3


def test_a_query_cannot_write(workdir, server):
    with pytest.raises(DataError) as caught:
        _load(workdir, server.options(query=f"DELETE FROM {server.schema}.deals RETURNING *"))
    assert "cannot execute DELETE in a read-only transaction" in caught.value.diagnostics[0].message
    con, _ = _load(workdir, server.options(table=f"{server.schema}.deals"))
    assert len(_rows(con)) == 3


def test_money_columns_are_refused_not_loaded_in_cents(workdir, server):
    declaration = "dataset deals {\n  person deal_id\n  column deal_id string\n  column amount money\n}"
    with pytest.raises(DataError) as caught:
        _load(workdir, server.options(table=f"{server.schema}.ledger"), declaration)
    (d,) = caught.value.diagnostics
    assert d.message == "column amount has PostgreSQL's money type, which is read in cents"
    con, _ = _load(workdir, server.options(query=f"SELECT deal_id, amount::numeric AS amount "
                                                 f"FROM {server.schema}.ledger"), declaration)
    assert _rows(con) == [("D1", Decimal("12.3400"))]


def test_the_source_keeps_the_plugin_contract(workdir, server):
    report = check_source_contract(
        PostgresSource, server.options(query=f"SELECT * FROM {server.schema}.deals ORDER BY deal_id"), DEALS,
        folder=workdir, timezone="Asia/Shanghai", expected_rows=EXPECTED_DEALS,
        empty_options=server.options(table=f"{server.schema}.empty_deals"),
    )
    assert report.failed == {} and report.skipped == {}


# ---------------------------------------------------------------------- errors, through the CLI


def _check(run_cli, workdir, options: dict):
    make_project(workdir, DEALS, {"deals": {"source": "postgres", **options}}, timezone="Asia/Shanghai")
    return run_cli("sources", "check")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused(workdir, server, run_cli, monkeypatch):
    port = _free_port()
    result = _check(run_cli, workdir, {**server.options(table="deals"), "host": "127.0.0.1", "port": port})
    assert result.exit_code == 1
    where = f"{server.user}@127.0.0.1:{port}/{server.dbname}"
    assert f"deals  PostgreSQL {where} (table deals)  not read  1 problem" in result.stdout
    assert (f"dataset deals, source {where} (table deals): error[E660]: cannot connect to PostgreSQL at "
            f"{where}: Connection refused") in result.stderr
    assert "check that the server is running and reachable, and `host` and `port` in " \
           "[env.test.datasets.deals]" in result.stderr
    assert server.password not in result.output
    # a password inside a DSN is not shown either
    monkeypatch.setenv("CRM_DSN", server.dsn().replace(f":{server.port}/", f":{port}/"))
    result = _check(run_cli, workdir, {"dsn_env": "CRM_DSN", "table": "deals"})
    assert (result.exit_code, "error[E660]" in result.stderr) == (1, True)
    assert server.password not in result.output
    assert "Traceback" not in result.output


def test_authentication_failed(workdir, server, run_cli, monkeypatch):
    monkeypatch.setenv("WRONG_PASSWORD", "not-the-password-4711")
    result = _check(run_cli, workdir, {**server.options(table="deals"), "password_env": "WRONG_PASSWORD"})
    assert result.exit_code == 1
    assert (f"error[E661]: PostgreSQL at {server.user}@{server.host}:{server.port}/{server.dbname} refused the "
            f'login: password authentication failed for user "{server.user}"') in result.stderr
    assert "check `user` in [env.test.datasets.deals] and the password in WRONG_PASSWORD" in result.stderr
    assert "not-the-password-4711" not in result.output


def test_unknown_database(workdir, server, run_cli):
    result = _check(run_cli, workdir, server.options(table="deals", dbname="no_such_db"))
    assert result.exit_code == 1
    assert "error[E660]: PostgreSQL at " in result.stderr and "has no database no_such_db" in result.stderr
    assert "check `dbname` in [env.test.datasets.deals]" in result.stderr


def test_unknown_table(workdir, server, run_cli):
    result = _check(run_cli, workdir, server.options(table=f"{server.schema}.dealz"))
    assert result.exit_code == 1
    assert (f"error[E640]: no table {server.schema}.dealz in schema {server.schema} of "
            f"{server.user}@{server.host}:{server.port}/{server.dbname}") in result.stderr
    assert f"= help: did you mean '{server.schema}.deals'?" in result.stderr
    # unqualified, it is looked for on the search path, where the session's schema is not
    result = _check(run_cli, workdir, server.options(table="deals"))
    assert result.exit_code == 1
    assert "error[E640]: no table deals in the schemas on the search path of " in result.stderr
    assert '(name another schema as "schema.table")' in result.stderr


def test_query_with_a_syntax_error_points_at_it(workdir, server, run_cli):
    query = f"SELECT deal_id, owner_id,\n  FROM {server.schema}.deals"
    result = _check(run_cli, workdir, server.options(query=query))
    assert result.exit_code == 1
    # the server gives character 29, the "FROM" after the stray comma, the newline and two spaces
    assert ('error[E640]: PostgreSQL could not run the query: syntax error at or near "FROM" '
            "(at line 2, column 3 of `query`)") in result.stderr
    assert f"= note:   FROM {server.schema}.deals\n  = note:   ^\n" in result.stderr
    assert "= help: check `query` in [env.test.datasets.deals]" in result.stderr


def test_unset_password_variable_is_a_configuration_error(workdir, server, run_cli, monkeypatch):
    monkeypatch.delenv("NO_SUCH_PASSWORD", raising=False)
    result = _check(run_cli, workdir, {**server.options(table="deals"), "password_env": "NO_SUCH_PASSWORD"})
    assert result.exit_code == 2
    assert "error[E609]: environment variable NO_SUCH_PASSWORD" in result.stderr


# ---------------------------------------------------------------------- without a server


@pytest.mark.parametrize("options, message", [
    ({"host": "db", "table": "deals", "query": "SELECT 1"}, "give either `table` or `query`"),
    ({"host": "db"}, "give either `table` or `query`"),
    ({"table": "a.b.c"}, 'name a table as "table" or "schema.table"'),
    ({"table": "t", "password_env": "A", "password_file": "/x"}, "give either `password_env` or `password_file`"),
])
def test_options_are_checked(workdir, options, message):
    with pytest.raises(ConfigError) as caught:
        make_project(workdir, DEALS, {"deals": {"source": "postgres", **options}})
    assert message in caught.value.diagnostics[0].message


def test_a_password_in_the_config_file_is_refused(workdir):
    with pytest.raises(ConfigError) as caught:
        make_project(workdir, DEALS, {"deals": {"source": "postgres", "table": "t", "password": "hunter22"}})
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E609", "env.test.datasets.deals.password: credentials must not be written "
                                           "in the config file")
    assert "hunter22" not in str(caught.value)
    assert d.help == ('name an environment variable (password_env = "...") or a file outside the repository '
                      '(password_file = "~/.secrets/...") instead')


@pytest.mark.parametrize("dsn, params", [
    ("postgresql://reader:p%40ss@db.example.com:6432/crm?sslmode=require",
     {"user": "reader", "password": "p@ss", "host": "db.example.com", "port": "6432", "dbname": "crm",
      "sslmode": "require"}),
    ("postgres://db1:5432,db2:5433/crm", {"host": "db1,db2", "port": "5432,5433", "dbname": "crm"}),
    ("postgresql://[::1]:5432/销售", {"host": "::1", "port": "5432", "dbname": "销售"}),
    ("postgresql://", {}),
    ("host=db  port = 5432 dbname=crm user=a\\ b", {"host": "db", "port": "5432", "dbname": "crm", "user": "a b"}),
    ("password='it\\'s \\\\ ok' host=db", {"password": "it's \\ ok", "host": "db"}),
])
def test_connection_strings_in_both_spellings(dsn, params):
    from kpirules.sources.postgres_server import parse_dsn

    assert parse_dsn(dsn) == params


def test_a_malformed_connection_string_is_refused_without_quoting_it():
    from kpirules.sources.postgres_server import parse_dsn

    with pytest.raises(ValueError) as caught:
        parse_dsn("host=db password='s3cr3t-value")
    assert str(caught.value) == "the value of password has no closing quote"
    # SQL's doubled quote is not libpq's escape: 'it' ends the value, then 's' stands without a keyword
    with pytest.raises(ValueError) as caught:
        parse_dsn("host=db password='it''s'")
    assert str(caught.value) == "expected keyword=value at character 22"


@given(st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), st.text(max_size=20), max_size=6))
def test_rendered_connection_strings_read_back_exactly(params):
    from kpirules.sources.postgres_server import parse_dsn, render_dsn

    assert parse_dsn(render_dsn(params)) == params


def test_a_malformed_connection_string_in_the_environment_is_e660(workdir, run_cli, monkeypatch):
    # no server needed: the string is refused before connecting (its message once recursed
    # into a RecursionError, reported as an internal error)
    monkeypatch.setenv("CRM_DSN", "host=127.0.0.1 dbname=crm user=reader password='s3cr3t")
    result = _check(run_cli, workdir, {"dsn_env": "CRM_DSN", "table": "deals"})
    assert result.exit_code == 1, result.output
    assert "error[E660]: the connection string in CRM_DSN is malformed: the value of password has no closing quote" \
        in result.output
    assert "s3cr3t" not in result.output and "internal error" not in result.output


def test_without_a_host_the_local_socket_is_where_the_server_has_it(tmp_path, monkeypatch):
    # libpq's "local socket" default is /tmp in the driver's build; Debian's server listens in
    # /var/run/postgresql: the first folder holding the port's socket is used
    from kpirules.sources import postgres_server

    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.delenv("PGPORT", raising=False)
    debian, other = tmp_path / "run", tmp_path / "tmp"
    debian.mkdir(), other.mkdir()
    monkeypatch.setattr(postgres_server, "SOCKET_DIRS", (str(debian), str(other)))
    assert postgres_server.local_socket_dir(None) is None
    (other / ".s.PGSQL.5432").touch()
    assert postgres_server.local_socket_dir(None) == str(other)
    (debian / ".s.PGSQL.5432").touch()
    assert postgres_server.local_socket_dir("5432") == str(debian)
    assert postgres_server.local_socket_dir("5433") is None


def test_a_service_or_host_address_is_not_overridden_by_the_local_socket(workdir, run_cli, monkeypatch, tmp_path):
    # libpq's service file (or hostaddr) names the server: an added host would override it
    from kpirules.sources import postgres_server

    for name in ("PGHOST", "PGHOSTADDR", "PGSERVICE", "PGPORT"):
        monkeypatch.delenv(name, raising=False)
    sockets = tmp_path / "sockets"
    sockets.mkdir()
    (sockets / ".s.PGSQL.5432").touch()
    monkeypatch.setattr(postgres_server, "SOCKET_DIRS", (str(sockets),))
    monkeypatch.setenv("CRM_DSN", "service=kpirules_no_such_service")
    result = _check(run_cli, workdir, {"dsn_env": "CRM_DSN", "table": "deals", "connect_timeout": 2})
    assert result.exit_code == 1, result.output
    assert str(sockets) not in result.output
    # without them, the socket folder is the host
    result = _check(run_cli, workdir, {"table": "deals", "connect_timeout": 2})
    assert str(sockets) in result.output
