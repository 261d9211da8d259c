"""One warehouse, several councils: each analyst login reads only its authorities' rows in
`reporting` and `dq`, also after every publication and rollback; `csc reveal` turns a key back into
the authority's own child id for csc_revealer logins only, and writes down every request.

Analyst logins are real PostgreSQL logins with passwords, connecting over TCP like a person's
reporting tool would. Roles belong to the whole server, so this module makes its own and drops them.
"""

import re
import secrets
import subprocess
from pathlib import Path

import psycopg
import pytest
from conftest import REPO, run_csc, scenario_database
from loading_fixtures import GOOD_EPISODES, GOOD_HEADER, deliver, ingest

from csc_warehouse import access, publishing, settings

PROBE = "access_probe"
HARINGEY, ISLINGTON = "309", "310"
LOGINS = {
    "test_analyst_309": [HARINGEY],
    "test_analyst_310": [ISLINGTON],
    "test_revealer_309": [HARINGEY],
    "test_analyst_both": [HARINGEY, ISLINGTON],
}


def build_probe(url, figures_by_la):
    with psycopg.connect(url) as conn:
        conn.execute(f"drop table if exists build.{PROBE}")
        conn.execute(f"create table build.{PROBE} (la_code text, as_at date, figure int)")
        for la_code, figure in figures_by_la.items():
            conn.execute(f"insert into build.{PROBE} values (%s, date '2014-02-10', %s)", [la_code, figure])


def fill_dq(url):
    """dq rows for both authorities, and checks over every authority's marts (no la_code)."""
    with psycopg.connect(url) as conn:
        versions = {
            la: conn.execute(
                "select delivery_version_id from ledger.delivery_versions where la_code = %s", [la]
            ).fetchone()[0]
            for la in (HARINGEY, ISLINGTON)
        }
        for la_code in (HARINGEY, ISLINGTON, None):
            validation = conn.execute(
                "insert into dq.validations (run_id, suite, table_name, expectation, severity, success, la_code,"
                " delivery_version_id) values ('access-run', 'suite', 'table', %s, 'warn', false, %s, %s)"
                " returning validation_id",
                [f"check_{la_code}", la_code, versions.get(la_code)],
            ).fetchone()[0]
            conn.execute(
                "insert into dq.flagged_records (validation_id, la_code, child_key, record) values (%s, %s, %s, '{}')",
                [validation, la_code, f"key-of-{la_code}"],
            )
        for la_code, version in versions.items():
            conn.execute(
                "insert into dq.acceptances (delivery_version_id, accepted_by, reason) values (%s, 'A. Reviewer', %s)",
                [version, f"reviewed {la_code}"],
            )
        conn.execute(
            "insert into dq.runs (run_id, dag_id, as_at, state, summary)"
            " values ('access-run', 'cp_lac_weekly', '2014-02-10', 'success', '{}')"
        )


@pytest.fixture(scope="module")
def warehouse_of_two_councils(warehouse_url, tmp_path_factory):
    """Both authorities delivered, a table published, dq filled, and one login per mapping."""
    url = scenario_database(warehouse_url, "access_scenario")
    landing = tmp_path_factory.mktemp("access-landing")
    for la_code in (HARINGEY, ISLINGTON):
        outcome, _ = ingest(
            url, deliver(landing, la_code, "2014-02-10", {"header.csv": GOOD_HEADER, "episodes.csv": GOOD_EPISODES})
        )
        assert outcome.status == "loaded"
    fill_dq(url)
    build_probe(url, {HARINGEY: 1, ISLINGTON: 2})
    publishing.publish("first", tables=[PROBE], url=url)
    passwords = {login: secrets.token_urlsafe(18) for login in LOGINS}
    for login, la_codes in LOGINS.items():
        access.grant_analyst(
            login, la_codes, password=passwords[login], revealer=login.startswith("test_revealer"), url=url
        )
    parts = settings.PostgresParts.from_url(url)
    urls = {
        login: settings.PostgresParts(parts.host, parts.port, login, passwords[login], parts.dbname).url()
        for login in LOGINS
    }
    yield {"url": url, "logins": urls}
    with psycopg.connect(parts.url("postgres"), autocommit=True) as conn:
        conn.execute('drop database if exists "access_scenario" with (force)')
        for login in [*LOGINS, "test_analyst_cli"]:
            conn.execute(f'drop role if exists "{login}"')


def read_as(login_url, statement, params=None):
    with psycopg.connect(login_url) as conn:
        return conn.execute(statement, params).fetchall()


def la_codes_in(login_url, relation):
    return sorted({row[0] for row in read_as(login_url, f"select la_code from {relation}")}, key=str)


# -- row-level security ----------------------------------------------------------------------------


def test_each_analyst_reads_only_their_authoritys_published_rows(warehouse_of_two_councils):
    logins = warehouse_of_two_councils["logins"]
    assert read_as(logins["test_analyst_309"], f"select la_code, figure from reporting.{PROBE}") == [("309", 1)]
    assert read_as(logins["test_analyst_310"], f"select la_code, figure from reporting.{PROBE}") == [("310", 2)]


def test_an_analyst_mapped_to_two_authorities_reads_both(warehouse_of_two_councils):
    logins = warehouse_of_two_councils["logins"]
    assert la_codes_in(logins["test_analyst_both"], f"reporting.{PROBE}") == ["309", "310"]


def test_each_analyst_reads_only_their_authoritys_dq_rows(warehouse_of_two_councils):
    logins = warehouse_of_two_councils["logins"]
    for login, own in (("test_analyst_309", "309"), ("test_analyst_310", "310")):
        # Checks over every authority's marts have no la_code and no child data: everyone sees them.
        assert la_codes_in(logins[login], "dq.validations") == [own, None]
        assert la_codes_in(logins[login], "dq.flagged_records") == [own]
        assert la_codes_in(logins[login], "dq.deliveries") == [own]
        assert read_as(logins[login], "select reason from dq.acceptances") == [(f"reviewed {own}",)]


def test_flagged_records_of_no_authority_stay_hidden(warehouse_of_two_councils):
    keys = read_as(warehouse_of_two_councils["logins"]["test_analyst_both"], "select child_key from dq.flagged_records")
    assert sorted(keys) == [("key-of-309",), ("key-of-310",)]


def test_tables_mixing_every_authority_in_a_row_are_closed_to_analysts(warehouse_of_two_councils):
    login = warehouse_of_two_councils["logins"]["test_analyst_309"]
    for relation in (
        "dq.runs",
        "dq.alerts",
        "dq.publications",
        "access.reveals",
        "raw.ssda903_header",
        "ledger.delivery_versions",
    ):
        with psycopg.connect(login) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"select * from {relation} limit 1")
    assert read_as(login, "select run_id, state from dq.run_states") == [("access-run", "success")]


def test_an_analyst_cannot_widen_their_own_mapping(warehouse_of_two_councils):
    login = warehouse_of_two_councils["logins"]["test_analyst_309"]
    assert read_as(login, "select login, la_code from access.analyst_authorities") == [("test_analyst_309", "309")]
    with psycopg.connect(login) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("insert into access.analyst_authorities (login, la_code) values ('test_analyst_309', '310')")


def test_the_analyst_group_role_itself_reads_no_authority(warehouse_of_two_councils):
    with psycopg.connect(warehouse_of_two_councils["url"]) as conn:
        conn.execute("set role csc_analyst")
        assert conn.execute(f"select count(*) from reporting.{PROBE}").fetchone()[0] == 0
        assert conn.execute("select count(*) from dq.validations where la_code is not null").fetchone()[0] == 0


def test_policies_hold_after_every_publication_and_rollback(warehouse_of_two_councils):
    url, logins = warehouse_of_two_councils["url"], warehouse_of_two_councils["logins"]
    build_probe(url, {HARINGEY: 10, ISLINGTON: 20})
    publishing.publish("second", tables=[PROBE], url=url)
    assert read_as(logins["test_analyst_309"], f"select la_code, figure from reporting.{PROBE}") == [("309", 10)]
    assert read_as(logins["test_analyst_310"], f"select la_code, figure from reporting.{PROBE}") == [("310", 20)]
    publishing.rollback(url=url)
    assert read_as(logins["test_analyst_309"], f"select la_code, figure from reporting.{PROBE}") == [("309", 1)]
    assert read_as(logins["test_analyst_310"], f"select la_code, figure from reporting.{PROBE}") == [("310", 2)]


def test_a_published_table_without_la_code_is_closed_to_analysts(warehouse_of_two_councils):
    url = warehouse_of_two_councils["url"]
    with psycopg.connect(url) as conn:
        conn.execute("drop table if exists build.no_authority")
        conn.execute("create table build.no_authority as select 1 as figure")
    publishing.publish("no-authority", tables=["no_authority"], url=url)
    with psycopg.connect(warehouse_of_two_councils["logins"]["test_analyst_both"]) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from reporting.no_authority")


def test_csc_grant_analyst_creates_a_login_and_maps_it(warehouse_of_two_councils):
    url = warehouse_of_two_councils["url"]
    result = run_csc("grant-analyst", "test_analyst_cli", "--la", "309", "--la", "310", CSC_WAREHOUSE_URL=url)
    assert result.returncode == 0, result.stderr
    assert "created analyst login test_analyst_cli: reads authorities 309, 310" in result.stdout
    again = run_csc("grant-analyst", "test_analyst_cli", "--la", "310", "--replace", CSC_WAREHOUSE_URL=url)
    assert "updated analyst login test_analyst_cli: reads authorities 310" in again.stdout
    with psycopg.connect(url) as conn:
        conn.execute("set role test_analyst_cli")
        assert conn.execute(f"select la_code from reporting.{PROBE}").fetchall() == [("310",)]


def test_a_login_that_bypasses_row_security_cannot_be_made_an_analyst(warehouse_of_two_councils):
    superuser = settings.PostgresParts.from_url(warehouse_of_two_councils["url"]).user
    result = run_csc("grant-analyst", superuser, "--la", "309", CSC_WAREHOUSE_URL=warehouse_of_two_councils["url"])
    assert result.returncode == 2
    assert "bypasses row-level security" in result.stderr


# -- re-identification ---------------------------------------------------------------------------


def child_key(url, la_code, child_id):
    with psycopg.connect(url) as conn:
        return conn.execute("select keys.child_key(%s, %s)", [la_code, child_id]).fetchone()[0]


def reveals(url):
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select acting_role, child_key, reason, outcome, la_code, requested_at is not null"
            " from access.reveals order by reveal_id"
        ).fetchall()


@pytest.fixture
def audit(warehouse_of_two_councils):
    url = warehouse_of_two_councils["url"]
    with psycopg.connect(url) as conn:
        conn.execute("truncate access.reveals")
    return url


def test_a_revealer_gets_their_authoritys_child_id_and_nothing_more(audit):
    key = child_key(audit, HARINGEY, "1002")
    result = run_csc(
        "reveal",
        key,
        "--reason",
        "alert 2014-02-10: brief return home",
        "--role",
        "test_revealer_309",
        CSC_WAREHOUSE_URL=audit,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["la_code,child_id", "309,1002"]
    assert reveals(audit) == [
        ("test_revealer_309", key, "alert 2014-02-10: brief return home", "revealed", "309", True)
    ]


def test_a_revealer_signed_in_as_themselves_is_recorded_by_their_login(audit, warehouse_of_two_councils):
    key = child_key(audit, HARINGEY, "1001")
    revealed = access.reveal(key, "case review", url=warehouse_of_two_councils["logins"]["test_revealer_309"])
    assert (revealed.la_code, revealed.child_id) == ("309", "1001")
    with psycopg.connect(audit) as conn:
        assert conn.execute("select login, acting_role from access.reveals").fetchall() == [
            ("test_revealer_309", "test_revealer_309")
        ]


def test_an_unknown_key_reveals_nothing_and_is_recorded(audit):
    result = run_csc(
        "reveal",
        "0" * 64,
        "--reason",
        "checking a key from an email",
        "--role",
        "test_revealer_309",
        CSC_WAREHOUSE_URL=audit,
    )
    assert result.returncode == 1
    assert "no child of an authority you may see has that key" in result.stderr
    assert reveals(audit) == [("test_revealer_309", "0" * 64, "checking a key from an email", "unknown", None, True)]


def test_another_authoritys_key_is_answered_as_unknown(audit):
    key = child_key(audit, ISLINGTON, "1002")
    result = run_csc(
        "reveal", key, "--reason", "curious about 310", "--role", "test_revealer_309", CSC_WAREHOUSE_URL=audit
    )
    assert result.returncode == 1 and result.stdout == ""
    assert reveals(audit)[0][3:5] == ("unknown", None)


@pytest.mark.parametrize("role", ["csc_analyst", "test_analyst_309"])
def test_analysts_may_not_reveal(audit, role):
    result = run_csc(
        "reveal",
        child_key(audit, HARINGEY, "1002"),
        "--reason",
        "just looking",
        "--role",
        role,
        CSC_WAREHOUSE_URL=audit,
    )
    assert result.returncode == 2
    assert "not allowed to reveal child ids" in result.stderr and "1002" not in result.stdout
    assert reveals(audit) == []


def test_a_request_must_be_committed_before_it_is_answered(audit):
    """No rollback can remove the trace of a revealed id: the answer needs a committed request."""
    key = child_key(audit, HARINGEY, "1002")
    with psycopg.connect(audit) as conn:
        conn.execute("set role test_revealer_309")
        request = conn.execute("select access.request_reveal(%s, 'in one transaction')", [key]).fetchone()[0]
        with pytest.raises(psycopg.errors.InvalidTransactionState, match="commit reveal request"):
            conn.execute("select * from access.reveal(%s)", [request])


def test_a_request_is_answered_once_and_only_to_whoever_made_it(audit):
    key = child_key(audit, HARINGEY, "1002")
    with psycopg.connect(audit, autocommit=True) as conn:
        conn.execute("set role test_revealer_309")
        request = conn.execute("select access.request_reveal(%s, 'for the case conference')", [key]).fetchone()[0]
        assert conn.execute("select * from access.reveal(%s)", [request]).fetchall() == [("309", "1002")]
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="answered or has expired"):
            conn.execute("select * from access.reveal(%s)", [request])
    with psycopg.connect(audit, autocommit=True) as conn:
        conn.execute("set role test_analyst_309")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from access.reveal(%s)", [request])


def test_a_reveal_needs_a_reason(audit):
    result = run_csc(
        "reveal",
        child_key(audit, HARINGEY, "1002"),
        "--reason",
        " ",
        "--role",
        "test_revealer_309",
        CSC_WAREHOUSE_URL=audit,
    )
    assert result.returncode == 2 and "say why" in result.stderr


# -- secrets ---------------------------------------------------------------------------------------

SECRET_NAME = r"\w*(?:password|passwd|secret|token|api_key|fernet_key)"
# A literal given to such a name: password="...", "password": "...", password: '...' (YAML).
QUOTED = re.compile(rf"(?i)\b{SECRET_NAME}[\"']?(?:\s*=\s*|:\s*)(?P<quote>[\"'])(?P<value>[^\"']+)(?P=quote)")
# In configuration files, unquoted too: CSC_DB_PASSWORD=x, POSTGRES_PASSWORD: x.
UNQUOTED = re.compile(rf"(?i)^\s*-?\s*[\w.-]*{SECRET_NAME}\s*[:=]\s*(?P<value>[^\s\"'#]+)")
CONFIGURATION = {".yml", ".yaml", ".env", ".ini", ".cfg", ".toml", ".conf", ".properties"}
IN_A_URL = re.compile(r"[a-z+]+://[^/\s:@\"']+:(?P<value>[^@\s\"'/]+)@")
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
# Not a secret: a variable or template to be filled in, an elision, or the redaction marker.
PLACEHOLDER = re.compile(r"^(\$|\{|%\(|<|\*+$|\.+$)")
# Words standing in for a password in docs and tests, which no server accepts: `user:password@` in
# the README, `nothing` on port 9 where nothing listens (test_dags), `pw` and `secret` in the
# settings tests of URL parsing and redaction.
STAND_INS = {"password", "nothing", "pw", "secret"}


def literal_secrets(name: str, text: str) -> list[str]:
    found = []
    configuration = Path(name).suffix in CONFIGURATION or Path(name).name.startswith(".env")
    patterns = [QUOTED, IN_A_URL] + ([UNQUOTED] if configuration else [])
    for number, line in enumerate(text.splitlines(), start=1):
        if PRIVATE_KEY.search(line):
            found.append(f"{name}:{number}: a private key")
        values = [match["value"] for pattern in patterns for match in pattern.finditer(line)]
        if any(not PLACEHOLDER.match(value) and value.lower() not in STAND_INS for value in values):
            found.append(f"{name}:{number}: {line.strip()[:120]}")
    return found


def test_the_secret_finder_finds_secrets():
    made_up = "hunter" + "22"  # assembled, so that this file holds no literal for the finder to find
    leaks = [
        f'password="{made_up}"',
        f"CSC_DB_PASSWORD={made_up}",
        f"postgresql://csc:{made_up}@db/csc",
        f"AIRFLOW_JWT_SECRET: '{made_up}'",
        "-----BEGIN RSA " + "PRIVATE KEY-----",
    ]
    assert [bool(literal_secrets("compose.yml", leak)) for leak in leaks] == [True] * len(leaks)
    fine = [
        ("compose.yml", 'POSTGRES_PASSWORD: "${POSTGRES_PASSWORD:?set it}"'),
        ("README.md", "postgresql://user:password@host:port/db"),
        ("settings.py", "password=unquote(parts.password)"),
        ("settings.py", "url.replace(f':{parts.password}@', ':***@')"),
    ]
    assert [literal_secrets(name, line) for name, line in fine] == [[]] * len(fine)


def test_the_repository_holds_no_password_or_key():
    """Credentials come from the environment, or are made on the machine by the embedded setup."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    found = []
    for name in files:
        path = REPO / name
        if path.is_file() and path.suffix not in {".xlsx", ".png", ".gpickle", ".msgpack"}:
            found += literal_secrets(name, path.read_text(errors="ignore"))
    assert found == [], "\n".join(found)
