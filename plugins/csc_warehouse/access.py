"""Who reads which authority's rows, and who may turn a pseudonymous key back into a child id.

One warehouse serves several councils. An analyst login is mapped to one or more authorities
(`csc grant-analyst`); row-level security on `la_code` then shows it only their rows in every table
of `reporting` and `dq`. `apply_row_security` gives each table its policies and grants, and is
called by publication on the new tables inside the swap's transaction (publish() makes new tables
every run), by rollback, and whenever an analyst is granted. It is idempotent and cheap when
nothing changed.

What an analyst sees in `reporting` and `dq`, relation by relation:
- a table with `la_code`: the rows of their authorities. In the dq tables listed in
  SHARED_WITHOUT_AUTHORITY, rows with no la_code are checks over every authority's marts, carrying
  counts and no child data, and every analyst sees them; elsewhere such rows stay hidden;
- a table without `la_code` but with `delivery_version_id`: the rows of their authorities' versions;
- any other table (dq.runs, dq.alerts, dq.publications: one row holds every authority): nothing;
- the views in SELF_FILTERING_VIEWS filter by authority themselves; any other view reads with the
  analyst's own rights (security_invoker), so the row-level security of its tables applies.

Re-identification (`csc reveal`) is for logins holding csc_revealer, and for their authorities'
children only: a request is written to access.reveals and committed before the answer is asked
for, so every revealed id leaves a trace no rollback removes (migration 007).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

import psycopg
from psycopg import sql

from csc_warehouse import landing, tables, warehouse

log = logging.getLogger(__name__)

ANALYST_ROLE = "csc_analyst"
TRANSFORMER_ROLE = "csc_transformer"
REVEALER_ROLE = "csc_revealer"
SECURED_SCHEMAS = ("reporting", "dq")
# The project's own roles: never mapped as an analyst login.
GROUP_ROLES = {"csc_loader", TRANSFORMER_ROLE, ANALYST_ROLE, REVEALER_ROLE}

# dq tables whose rows without an authority carry no child data, only a check's name and counts
# over every authority: every analyst reads those rows.
SHARED_WITHOUT_AUTHORITY = {"dq.validations", "dq.alert_fingerprints", "dq.dbt_results"}
# Views that filter by authority in their own definition (migration 007).
SELF_FILTERING_VIEWS = {"dq.deliveries", "dq.run_states"}

# The scalar sub-select makes PostgreSQL read the mapping once per query, not once per row.
THEIR_AUTHORITIES = "la_code = any ((select access.my_la_codes())::text[])"
POLICIES = {
    "analysts_see_their_authorities": THEIR_AUTHORITIES,
    "analysts_see_their_authorities_and_shared_rows": f"{THEIR_AUTHORITIES} or la_code is null",
    "analysts_see_their_authorities_versions": (
        "access.la_code_of_version(delivery_version_id) = any ((select access.my_la_codes())::text[])"
    ),
}
TRANSFORMER_POLICY = "transformer_sees_every_authority"

LOGIN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
KEY = re.compile(r"^[0-9a-f]{64}$")
MINIMUM_REASON = 5


class AccessError(ValueError):
    pass


# -- row-level security ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Relation:
    schema: str
    name: str
    kind: str  # r: table, v: view
    has_rls: bool
    policies: frozenset[str]
    columns: frozenset[str]
    options: frozenset[str]
    analyst_reads: bool

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def identifier(self) -> sql.Composable:
        return sql.Identifier(self.schema, self.name)

    def policy_wanted(self) -> str | None:
        """The analysts' policy this table needs, or None when analysts must not read it at all."""
        if "la_code" in self.columns:
            if self.qualified in SHARED_WITHOUT_AUTHORITY:
                return "analysts_see_their_authorities_and_shared_rows"
            return "analysts_see_their_authorities"
        if "delivery_version_id" in self.columns:
            return "analysts_see_their_authorities_versions"
        return None


def _relations(conn: psycopg.Connection) -> list[_Relation]:
    rows = conn.execute(
        "select n.nspname, c.relname, c.relkind, c.relrowsecurity,"
        " coalesce((select array_agg(p.polname::text) from pg_policy p where p.polrelid = c.oid), '{}'),"
        " coalesce((select array_agg(a.attname::text) from pg_attribute a"
        "           where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '{}'),"
        " coalesce(c.reloptions, '{}'), has_table_privilege(%s, c.oid, 'select')"
        " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = any(%s) and c.relkind in ('r', 'v', 'p')"
        " order by n.nspname, c.relname",
        [ANALYST_ROLE, list(SECURED_SCHEMAS)],
    ).fetchall()
    return [
        _Relation(
            schema,
            name,
            "v" if kind == "v" else "r",
            rls,
            frozenset(policies),
            frozenset(columns),
            frozenset(options),
            reads,
        )
        for schema, name, kind, rls, policies, columns, options, reads in rows
    ]


def apply_row_security(conn: psycopg.Connection) -> None:
    """Give every table and view of `reporting` and `dq` the policies and grants described above.

    Runs in the caller's transaction: publication calls it before its swap commits, so a new
    table is never visible without its policies. Only what is missing is changed.
    """
    # Publication's lock: one securer at a time, and none mid-swap.
    warehouse.lock_publication(conn)
    register_child_id_columns(conn)
    for relation in _relations(conn):
        if relation.kind == "v":
            _secure_view(conn, relation)
        else:
            _secure_table(conn, relation)


def _secure_table(conn: psycopg.Connection, table: _Relation) -> None:
    wanted = table.policy_wanted()
    if not table.has_rls:
        conn.execute(sql.SQL("alter table {} enable row level security").format(table.identifier))
    for stale in (table.policies & set(POLICIES)) - {wanted}:
        conn.execute(sql.SQL("drop policy {} on {}").format(sql.Identifier(stale), table.identifier))
    if TRANSFORMER_POLICY not in table.policies:
        conn.execute(
            sql.SQL("create policy {} on {} for all to {} using (true) with check (true)").format(
                sql.Identifier(TRANSFORMER_POLICY), table.identifier, sql.Identifier(TRANSFORMER_ROLE)
            )
        )
    if wanted is None:
        if table.analyst_reads:
            log.warning("%s holds no la_code: analysts may not read it", table.qualified)
            conn.execute(sql.SQL("revoke select on {} from {}").format(table.identifier, sql.Identifier(ANALYST_ROLE)))
        return
    if wanted not in table.policies:
        conn.execute(
            sql.SQL("create policy {} on {} for select to {} using ({})").format(
                sql.Identifier(wanted), table.identifier, sql.Identifier(ANALYST_ROLE), sql.SQL(POLICIES[wanted])
            )
        )
    if not table.analyst_reads:
        conn.execute(sql.SQL("grant select on {} to {}").format(table.identifier, sql.Identifier(ANALYST_ROLE)))


def _secure_view(conn: psycopg.Connection, view: _Relation) -> None:
    if view.qualified not in SELF_FILTERING_VIEWS:
        # The view reads with the analyst's rights, so the policies of its tables apply to them.
        if "security_invoker=true" not in view.options:
            conn.execute(sql.SQL("alter view {} set (security_invoker = true)").format(view.identifier))
    if not view.analyst_reads:
        conn.execute(sql.SQL("grant select on {} to {}").format(view.identifier, sql.Identifier(ANALYST_ROLE)))


def register_child_id_columns(conn: psycopg.Connection) -> None:
    """Tell reveal and erase which raw columns hold a child id: every id column of every known table."""
    columns = sorted({table.raw_column(column) for table in tables.TABLES for column in table.ids})
    with conn.cursor() as cursor:
        cursor.executemany(
            "insert into access.child_id_columns values (%s) on conflict do nothing", [(column,) for column in columns]
        )


def child_id_columns(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(raw table, column) for every raw table holding a child id and la_code (not the views over them)."""
    return conn.execute(
        "select c.table_name, c.column_name from information_schema.columns c"
        " join information_schema.tables t using (table_schema, table_name)"
        " where c.table_schema = 'raw' and t.table_type = 'BASE TABLE'"
        " and c.column_name in (select column_name from access.child_id_columns)"
        " and exists (select from information_schema.columns l where l.table_schema = 'raw'"
        "             and l.table_name = c.table_name and l.column_name = 'la_code')"
        " order by c.table_name, c.column_name"
    ).fetchall()


# -- analyst logins ----------------------------------------------------------------------------


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores, made here so the password never reaches the
    server (or its statement log) in clear (RFC 5802, as PostgreSQL's libpq computes it)."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    encode = base64.b64encode
    return (
        f"SCRAM-SHA-256${iterations}:{encode(salt).decode()}"
        f"${encode(stored_key).decode()}:{encode(server_key).decode()}"
    )


@dataclass
class Grant:
    login: str
    created: bool
    la_codes: list[str]
    revealer: bool


def grant_analyst(
    login: str,
    la_codes: list[str],
    *,
    password: str | None = None,
    revealer: bool = False,
    replace: bool = False,
    url: str | None = None,
) -> Grant:
    """Create the analyst login if it does not exist and map it to the authorities given.

    The login gets csc_analyst (and csc_revealer if asked). Without a password it can sign in only
    by whatever else the server's pg_hba.conf allows (certificates, LDAP...). With replace, the
    authorities given become its whole mapping; otherwise they are added.
    """
    if not LOGIN.match(login):
        raise AccessError(f"{login!r}: a login is lower-case letters, digits and _, starting with a letter")
    if login in GROUP_ROLES:
        raise AccessError(f"{login} is one of the warehouse's own roles, not a login")
    codes = sorted(set(la_codes))
    bad = [code for code in codes if not landing.LA_CODE.match(code)]
    if bad or not codes:
        raise AccessError(f"give each authority as its three-digit DfE code (not {', '.join(bad) or 'none'})")
    role = sql.Identifier(login)
    with warehouse.connect(url) as conn:
        existing = conn.execute(
            "select rolsuper or rolbypassrls, pg_has_role(oid, %s, 'member') from pg_roles where rolname = %s",
            [TRANSFORMER_ROLE, login],
        ).fetchone()
        if existing and existing[0]:
            raise AccessError(f"{login} bypasses row-level security (superuser or BYPASSRLS): not an analyst login")
        if existing and existing[1]:
            raise AccessError(f"{login} is a member of {TRANSFORMER_ROLE}, which reads every authority's rows")
        if not existing:
            conn.execute(sql.SQL("create role {} login").format(role))
        if password:
            conn.execute(sql.SQL("alter role {} password {}").format(role, sql.Literal(scram_verifier(password))))
        conn.execute(sql.SQL("grant {} to {}").format(sql.Identifier(ANALYST_ROLE), role))
        if revealer:
            conn.execute(sql.SQL("grant {} to {}").format(sql.Identifier(REVEALER_ROLE), role))
        if replace:
            conn.execute(
                "delete from access.analyst_authorities where login = %s and la_code <> all(%s)", [login, codes]
            )
        with conn.cursor() as cursor:
            cursor.executemany(
                "insert into access.analyst_authorities (login, la_code) values (%s, %s) on conflict do nothing",
                [(login, code) for code in codes],
            )
        mapped = [
            row[0]
            for row in conn.execute(
                "select la_code from access.analyst_authorities where login = %s order by la_code", [login]
            )
        ]
        is_revealer = conn.execute("select pg_has_role(%s, %s, 'member')", [login, REVEALER_ROLE]).fetchone()[0]
        apply_row_security(conn)
    log.info("analyst %s reads authorities %s%s", login, ", ".join(mapped), " and may reveal" if is_revealer else "")
    return Grant(login=login, created=not existing, la_codes=mapped, revealer=is_revealer)


# -- re-identification -------------------------------------------------------------------------


@dataclass
class Revealed:
    request_id: int
    la_code: str | None
    child_id: str | None

    @property
    def found(self) -> bool:
        return self.child_id is not None


def reveal(key: str, reason: str, *, role: str | None = None, url: str | None = None) -> Revealed:
    """The authority and its own child id behind a pseudonymous key, for a csc_revealer login.

    The request (who, when, key, reason) is committed first, then answered; a key that is unknown,
    or not of an authority the caller may see, answers nothing and is recorded all the same.
    Raises psycopg.errors.InsufficientPrivilege for a caller without csc_revealer.
    """
    if len(reason.strip()) < MINIMUM_REASON:
        raise AccessError("say why the child id is needed (--reason): every reveal is audited")
    key = key.strip().lower()
    if not KEY.match(key):
        log.warning("%r is not a child key (64 hex digits); recorded and answered as unknown", key)
    # Autocommit: the request commits on its own before the answer is asked for.
    with warehouse.connect(url, autocommit=True, role=role) as conn:
        request_id = conn.execute("select access.request_reveal(%s, %s)", [key, reason]).fetchone()[0]
        answer = conn.execute("select la_code, child_id from access.reveal(%s)", [request_id]).fetchone()
    la_code, child_id = answer if answer else (None, None)
    return Revealed(request_id=request_id, la_code=la_code, child_id=child_id)
