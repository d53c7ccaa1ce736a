"""The `postgres` source: a table, or the result of a query, on a PostgreSQL server.

    [env.prod.datasets.deals]
    source = "postgres"
    host = "db.example.com"
    port = 5432
    dbname = "crm"
    user = "kpirules_reader"
    password_env = "CRM_PASSWORD"       # or password_file = "~/.secrets/crm", or neither (~/.pgpass)
    table = "sales.deals"               # or: query = "SELECT * FROM sales.deals WHERE won"

    # or the whole connection string from the environment (options above override its parts):
    # dsn_env = "CRM_DSN"               # "postgresql://reader:...@db:5432/crm" or "host=db dbname=crm ..."

The ADBC PostgreSQL driver streams the rows as Arrow (it reads them with COPY in binary
format), so types arrive as the server has them: integers, dates, `timestamptz` as an
instant (the loader converts it to the scheme's time zone), `numeric` as exact text. The
session is read-only: a `query` cannot change the database. Passwords never appear in a
message, a description or a log.
"""

from __future__ import annotations

import difflib
import os
from typing import Literal

from pydantic import Field, field_validator, model_validator

from kpirules.errors import ConfigError, DataError
from kpirules.hookspecs import hookimpl
from kpirules.sources.base import Source, SourceOptions, no_value_in_query, read_secret
from kpirules.sources.convert import quote
from kpirules.sources.postgres_server import (
    Secrets,
    ServerError,
    local_socket_dir,
    missing_database,
    parse_dsn,
    render_dsn,
    server_error,
    server_name,
)

#: relkinds a `table` may name: tables, views, materialized views, partitioned and foreign tables
_READABLE = "('r', 'v', 'm', 'p', 'f')"


class PostgresOptions(SourceOptions):
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    dbname: str | None = None
    user: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    #: an environment variable holding a whole libpq connection string (it may hold the password)
    dsn_env: str | None = None
    sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] | None = None
    #: seconds to wait for the server before giving up
    connect_timeout: int = Field(default=10, ge=1)
    #: "deals", or "sales.deals" with its schema (names as stored: case matters)
    table: str | None = None
    query: str | None = None

    @field_validator("table")
    @classmethod
    def _schema_and_name(cls, table: str | None) -> str | None:
        if table is not None and (not all(table.split(".")) or table.count(".") > 1):
            raise ValueError('name a table as "table" or "schema.table" (for other names, use `query`)')
        return table

    @model_validator(mode="after")
    def _one_of_each(self) -> PostgresOptions:
        if (self.table is None) == (self.query is None):
            raise ValueError("give either `table` or `query`")
        if self.password_env and self.password_file:
            raise ValueError("give either `password_env` or `password_file`, not both")
        return self

    @property
    def qualified(self) -> tuple[str | None, str]:
        schema, _, name = (self.table or "").rpartition(".")
        return schema or None, name


class PostgresSource(Source):
    name = "postgres"
    Options = PostgresOptions
    options: PostgresOptions

    def __init__(self, options, context):
        super().__init__(options, context)
        self.secrets = Secrets()
        self._dsn_params: dict[str, str] | None = None
        self._dsn_malformed = False

    def read(self):
        import adbc_driver_manager
        import adbc_driver_postgresql.dbapi as adbc

        params = self._connection_params()
        try:
            connection = adbc.connect(render_dsn(params), autocommit=True)
        except adbc_driver_manager.Error as exc:
            raise self._failure(server_error(exc, self.secrets, connecting=True)) from None
        self.on_close(connection.close)
        cursor = connection.cursor()
        self.on_close(cursor.close)
        try:
            if self.options.table is not None:
                statement = f"SELECT * FROM {self._find_table(cursor)}"
            else:
                # the driver wraps the query in COPY (...): a final `;` or `-- comment` would break it
                statement = self.options.query.rstrip().rstrip(";").rstrip() + "\n"
            cursor.execute(statement)
            rows = cursor.fetch_record_batch()
        except adbc_driver_manager.Error as exc:
            raise self._failure(server_error(exc, self.secrets, connecting=False)) from None
        if not rows.schema.names:
            raise self.error("E640", "the query returns no rows (it is not a SELECT)",
                             f"check `query` in [{self.context.config_key}]")
        self._names = rows.schema.names
        self._refuse_money(rows.schema)
        return rows

    def no_value_help(self, marker: str, column: str) -> str:
        return no_value_in_query(marker, quote(self.wanted_columns().get(column, column)))

    def columns(self) -> list[str] | None:
        return getattr(self, "_names", None)

    @property
    def locator(self) -> str:
        what = f"table {self.options.table}" if self.options.table else "query"
        return f"{server_name(self._display_params(strict=False))} ({what})"

    def describe(self) -> str:
        return f"PostgreSQL {self.locator}"

    # ------------------------------------------------------------------ connecting

    def _connection_params(self) -> dict[str, str]:
        """Every keyword libpq gets, the password included (only ever passed to the driver)."""
        opts = self.options
        params = self._display_params()
        if opts.password_env or opts.password_file:
            password = read_secret(env=opts.password_env, file=opts.password_file, what="password",
                                   config_key=self.context.config_key, config_dir=self.context.config_dir)
            params["password"] = password.get_secret_value()
            self.secrets.add(params["password"])
        # the session cannot write, whatever `query` says
        params["options"] = (params.get("options", "") + " -c default_transaction_read_only=on").strip()
        params.setdefault("application_name", "kpirules")
        return params

    def _display_params(self, *, strict: bool = True) -> dict[str, str]:
        """The DSN's keywords with the options laid over them; the DSN's password stays in.

        Not strict (for descriptions): a DSN variable that is unset or malformed is left out
        rather than raised, and `read()` reports it.
        """
        opts = self.options
        params: dict[str, str] = {}
        # not strict, a DSN already found malformed is left out: its error names the source,
        # whose description is made here
        if opts.dsn_env and (strict or not self._dsn_malformed):
            try:
                params = dict(self._dsn())
            except (ConfigError, DataError):
                if strict:
                    raise
        given = {"host": opts.host, "port": opts.port, "dbname": opts.dbname, "user": opts.user,
                 "sslmode": opts.sslmode}
        params.update({key: str(value) for key, value in given.items() if value is not None})
        params.setdefault("connect_timeout", str(opts.connect_timeout))
        named = {"host", "hostaddr", "service"} & params.keys()
        if not named and not any(os.environ.get(v) for v in ("PGHOST", "PGHOSTADDR", "PGSERVICE")):
            # "the local socket": where this machine's server has it, not only where the
            # driver's own libpq looks (/tmp; Debian's server listens in /var/run/postgresql)
            socket_dir = local_socket_dir(params.get("port"))
            if socket_dir is not None:
                params["host"] = socket_dir
        return params

    def _dsn(self) -> dict[str, str]:
        if self._dsn_params is None:
            env = self.options.dsn_env
            dsn = read_secret(env=env, what="dsn", config_key=self.context.config_key,
                              config_dir=self.context.config_dir).get_secret_value()
            self.secrets.add(dsn)
            try:
                params = parse_dsn(dsn)
            except ValueError as exc:
                self._dsn_malformed = True
                raise self.error("E660", f"the connection string in {env} is malformed: {exc}",
                                 "write it as postgresql://user@host:port/dbname or host=... dbname=...") from None
            self.secrets.add(params.get("password"))
            self._dsn_params = params
        return self._dsn_params

    # ------------------------------------------------------------------ reading

    def _find_table(self, cursor) -> str:
        """The table's quoted name, after checking it exists where the options say."""
        schema, name = self.options.qualified
        where = "n.nspname = $1" if schema else "n.nspname = ANY (current_schemas(false))"
        cursor.execute(
            f"SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE c.relkind IN {_READABLE} AND {where} ORDER BY array_position(current_schemas(false), "
            f"n.nspname), 1, 2",
            parameters=(schema,) if schema else None,
        )
        tables = [(s, t) for s, t in cursor.fetchall()]
        for found_schema, table in tables:
            if table == name:
                return f"{quote(found_schema)}.{quote(table)}"
        names = [t if not schema else f"{s}.{t}" for s, t in tables]
        wanted = self.options.table
        lowered = {n.lower(): n for n in names}
        hint = ([lowered[wanted.lower()]] if wanted.lower() in lowered
                else difflib.get_close_matches(wanted, names, n=1))
        place = f"schema {schema}" if schema else "the schemas on the search path"
        raise self.error(
            "E640", f"no table {wanted} in {place} of {server_name(self._display_params())}",
            f"did you mean '{hint[0]}'?" if hint
            else f"tables there: {', '.join(names[:20]) or 'none'} (name another schema as \"schema.table\")",
        )

    def _refuse_money(self, schema) -> None:
        # the driver hands PostgreSQL's money type over as whole cents, which would load 100 times too big
        wanted = set(self.wanted_columns().values())
        for arrow_field in schema:
            kind = (arrow_field.metadata or {}).get(b"POSTGRESQL:type")
            if kind == b"money" and arrow_field.name in wanted:
                raise self.error(
                    "E640", f"column {arrow_field.name} has PostgreSQL's money type, which is read in cents",
                    f"read it as numeric with a query: query = \"SELECT ..., {arrow_field.name}::numeric AS "
                    f"{arrow_field.name} FROM ...\"",
                )

    # ------------------------------------------------------------------ messages

    def _failure(self, failure: ServerError):
        key = self.context.config_key
        server = server_name(self._display_params())
        if failure.kind == "auth":
            how = (f"the password in {self.options.password_env}" if self.options.password_env
                   else f"the password in {self.options.password_file}" if self.options.password_file
                   else f"the connection string in {self.options.dsn_env}" if self.options.dsn_env
                   else "~/.pgpass or PGPASSWORD (no password option is set)")
            return self.error("E661", f"PostgreSQL at {server} refused the login: {failure.reason}",
                              f"check `user` in [{key}] and {how}; the server's pg_hba.conf must allow this host")
        if failure.kind == "connect":
            database = missing_database(failure.reason)
            if database is not None:
                return self.error("E660", f"PostgreSQL at {server} has no database {database}",
                                  f"check `dbname` in [{key}]")
            return self.error("E660", f"cannot connect to PostgreSQL at {server}: {failure.reason}",
                              f"check that the server is running and reachable, and `host` and `port` in [{key}]")
        if self.options.query is None:
            return self.error("E640", f"PostgreSQL could not read table {self.options.table}: {failure.reason}",
                              _grant_help(failure, self.options.table, self.options.user) or f"check [{key}]")
        notes = _point_at(self.options.query, failure.position) if failure.position else []
        where = f" (at {_line_column(self.options.query, failure.position)} of `query`)" if failure.position else ""
        help = _grant_help(failure, None, self.options.user) or f"check `query` in [{key}]"
        if failure.reason == 'syntax error at or near ";"':
            help = f"`query` in [{key}] must be one statement: remove the `;` and what follows it"
        error = self.error("E640", f"PostgreSQL could not run the query: {failure.reason}{where}", help)
        error.diagnostics[0].notes.extend(notes)
        return error


def _grant_help(failure: ServerError, table: str | None, user: str | None) -> str | None:
    if failure.sqlstate != "42501":
        return None
    return f"ask the database owner to GRANT SELECT ON {table or 'the tables the query reads'} TO {user or 'your user'}"


def _line_column(text: str, position: int) -> str:
    before = text[: position - 1]
    line = before.count("\n") + 1
    return f"line {line}, column {len(before) - (before.rfind(chr(10)) + 1) + 1}"


def _point_at(text: str, position: int) -> list[str]:
    """The query's line with a caret under the server's position."""
    before = text[: position - 1]
    start = before.rfind("\n") + 1
    end = text.find("\n", start)
    line = text[start: end if end != -1 else len(text)]
    return [line, " " * (position - 1 - start) + "^"]


@hookimpl
def register_sources(register):
    register(PostgresSource)
