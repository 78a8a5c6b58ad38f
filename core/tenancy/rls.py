"""Layer 2: PostgreSQL row-level security, fed by per-transaction settings.

``set_config(..., true)`` is transaction-local, so a pooled connection never carries one tenant's
settings into the next checkout, and a rolled-back savepoint restores the previous tenant.

The connection remembers what its open transaction was given and sends only a change: a request
that signs in and enters its tenant sets them once for the user and once for the tenant, and none at
all while nobody is known (empty equals unset for the policies' ``NULLIF``). On psycopg a change
costs no round trip of its own: it waits for the transaction's next statement and goes out with it
in one pipeline sync, with ``BEGIN`` when it is the first (and with a read-only request's admission
question, ``core.tenancy.admission.Question``). The memory ends when the next
transaction begins (what a commit writes at the last moment, the data stamps, still goes out under
the settings) and with a rollback or a rolled-back savepoint, whose rollback restores settings the
connection no longer knows; a checkout starts with none.

A transaction that only read ends with ``COMMIT`` rather than ``ROLLBACK`` (``RlsEnginePlugin``):
nothing was written, so the outcome is the same and the settings end either way, but psycopg forgets
every prepared statement on a ``ROLLBACK``. Most requests only read and end in the teardown's
rollback, so without this every statement of every page was parsed and planned afresh. "Only read"
is proven, never assumed: the mark is set when SQLAlchemy begins the transaction and dropped by any
statement other than a ``SELECT`` (or the settings); a failed transaction, a savepoint, raw SQL,
a write or a connection used outside SQLAlchemy's transactions always rolls back.
"""
from __future__ import annotations

from sqlalchemy import CompoundSelect, Select, event, text
from sqlalchemy.engine import CreateEnginePlugin, Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from .context import _current, _question, _user

SET_SQL = text("SELECT set_config('jiceng.active_tenant', :a, true), "
               "set_config('jiceng.visible_tenants', :v, true), set_config('jiceng.user_id', :u, true)")


def _values():
    question = _question.get()
    if question is not None and question.held is False:  # the kept sign-in no longer holds
        return _UNSET
    ctx = _current.get()
    if ctx is None:
        user = _user.get()
        return {"a": "", "v": "", "u": "" if user is None else str(user)}
    return {"a": str(ctx.active), "v": ",".join(map(str, ctx.visible)),
            "u": "" if ctx.user_id is None else str(ctx.user_id)}


#: ``connection.info`` key: the settings the connection's open transaction was given
APPLIED = "jiceng_rls_applied"
#: ``connection.info`` key: what goes out with the transaction's next statement, in the same round
#: trip: psycopg's ``BEGIN`` (``BEGIN_ONLY``) or the settings, which psycopg then begins with
PENDING = "jiceng_rls_pending"
BEGIN_ONLY = "begin"
#: ``connection.info`` key: the open transaction was begun by our own ``BEGIN`` in its first statement's
#: pipeline, on a driver connection put in autocommit for it (``_send_with_statement``)
OWN_BEGIN = "jiceng_own_begin"
#: psycopg's ``TransactionStatus.IDLE``
_IDLE = 0
#: ``connection.info`` key: the request's unanswered admission question (``core.tenancy.admission.Question``),
#: which goes out with the transaction's first statement too
QUESTION = "jiceng_admission_question"
_UNSET = {"a": "", "v": "", "u": ""}
_DRIVER_SET_SQL = ("SELECT set_config('jiceng.active_tenant', %s, true), "
                   "set_config('jiceng.visible_tenants', %s, true), set_config('jiceng.user_id', %s, true)")


def _apply(connection) -> None:
    """Give the transaction the context's settings unless it already has them.

    On psycopg they ride with the next statement (``_send_with_statement``), so a context set
    between two queries costs no round trip of its own."""
    values = _values()
    if connection.info.get(APPLIED, _UNSET) != values:
        if connection.dialect.driver == "psycopg":
            connection.info[PENDING] = values
        else:
            connection.execute(SET_SQL, values)
        connection.info[APPLIED] = values


@event.listens_for(Session, "after_begin")
def _after_begin(session, transaction, connection):
    if connection.dialect.name == "postgresql" and not session.info.get("system_scope"):
        connection.info.pop(APPLIED, None)  # a new transaction starts with nothing set
        if connection.dialect.driver == "psycopg":
            connection.info[PENDING] = BEGIN_ONLY
            question = _question.get()
            if question is not None and question.held is None:
                connection.info[QUESTION] = question
        _apply(connection)


@event.listens_for(Session, "before_commit")
def _refuse_commit_on_lapsed_sign_in(session):
    """A request that went on from a kept sign-in whose answer said no commits nothing: it runs
    again (``Readmit``) and its transaction is rolled back in the teardown."""
    question = _question.get()
    if question is not None and question.held is False and not session.info.get("system_scope"):
        from .admission import Readmit
        raise Readmit


def _forget(conn, *_args) -> None:
    if conn.invalidated:  # the server dropped it (a restart): asking for its info would raise and hide
        return            # why; the next transaction begins on a new connection, with nothing set
    conn.info.pop(APPLIED, None)
    conn.info.pop(PENDING, None)
    conn.info.pop(QUESTION, None)  # unanswered, it stays the request's: the next statement or settle() asks it


# Not on "commit": what runs just before a commit (the data stamps of core.ui.fragments) still writes
# under the settings, and the pending ones go out with it; the next transaction begins clean.
for _name in ("begin", "rollback", "rollback_savepoint"):
    event.listen(Engine, _name, _forget)


def _take_pending(context):
    """What waits for this statement: (settings or ``BEGIN_ONLY`` or None, question or None)."""
    try:
        info = context.root_connection.info
    except (AttributeError, NotImplementedError):  # no context, or the engine's very first connection
        return None, None
    if PENDING not in info and QUESTION not in info:  # the common case: nothing, decided at once
        return None, None
    return info.pop(PENDING, None), info.pop(QUESTION, None)


def _send_settings(conn, pending) -> None:
    if pending is not None and pending is not BEGIN_ONLY:
        conn.execute(_DRIVER_SET_SQL, (pending["a"], pending["v"], pending["u"]))


def _heard(conn, info, question, asked) -> None:
    """The admission question's answer. A no turns the settings off before anything else is sent,
    and stops the request where it is (``Lapsed``)."""
    with asked:
        row = asked.fetchone()
    if not question.answer(row):
        conn.execute(_DRIVER_SET_SQL, ("", "", ""))
        info[APPLIED] = _UNSET
        from .admission import Lapsed
        raise Lapsed


def ask_in_open_transaction(question) -> bool:
    """Ask the admission question in the request's open transaction, as its next statement would
    have; False when there is no healthy one to ask it in (it is then asked on a connection of its
    own, which a pool of one could not give while this one is held)."""
    from psycopg.pq import TransactionStatus

    from ..db import db
    session = db.session()
    if session.info.get("system_scope") or not session.in_transaction():
        return False
    conn = session.connection()
    driver = conn.connection.driver_connection
    if driver.info.transaction_status != TransactionStatus.INTRANS:
        return False
    conn.info.pop(QUESTION, None)
    _heard(driver, conn.info, question, question.send(driver))
    return True


@event.listens_for(Engine, "do_execute", retval=True)
def _send_with_statement(cursor, statement, parameters, context):
    """What is pending goes out with this statement in one round trip: psycopg's pipeline mode
    queues ``BEGIN``, the admission question, the settings and the statement, then syncs once.

    psycopg's own ``BEGIN`` in a pipeline waits for its answer before anything else is sent (it
    syncs, to know the transaction began): a round trip of its own on every transaction. So the
    first statement of a transaction begins it itself, on the driver in autocommit, which psycopg
    leaves alone; ``_end_own_begin`` takes autocommit back once the transaction has ended."""
    pending, question = _take_pending(context)
    if pending is None and question is None:
        return False
    conn = cursor.connection
    if type(cursor).__name__ == "ServerCursor":  # a named cursor cannot join a pipeline
        _send_before(conn, context, pending, question)
        return False
    begins = (not conn.autocommit and conn.info.transaction_status == _IDLE
              and conn.isolation_level is None and conn.read_only is None  # else psycopg's BEGIN says more
              and getattr(context.dialect, OWN_BEGIN, False))  # the engine takes autocommit back (RlsEnginePlugin)
    if begins:
        conn.autocommit = True
        context.root_connection.info[OWN_BEGIN] = True
    with conn.pipeline():
        if begins:
            conn.execute("BEGIN")
        asked = question.send(conn) if question is not None else None
        _send_settings(conn, pending)
        cursor.execute(statement, parameters)
    if asked is not None:
        _heard(conn, context.root_connection.info, question, asked)
    return True


def _send_before(conn, context, pending, question) -> None:
    if question is not None:
        _heard(conn, context.root_connection.info, question, question.send(conn))
    _send_settings(conn, pending)


@event.listens_for(Engine, "do_execute_no_params", retval=True)
@event.listens_for(Engine, "do_executemany", retval=True)
def _send_before_statement(cursor, _statement, *args):
    """Raw SQL (it may hold several commands) and batches: the question and the settings go first,
    on their own."""
    context = args[-1]
    pending, question = _take_pending(context)
    if pending is not None or question is not None:
        _send_before(cursor.connection, context, pending, question)
    return False


#: ``connection.info`` key: the open transaction has so far only read
READ_ONLY = "jiceng_reads_only"


def _only_reads(context) -> bool:
    compiled = getattr(context, "compiled", None)
    if compiled is None:  # exec_driver_sql: anything may be in it
        return False
    stmt = compiled.statement
    if stmt is SET_SQL:
        return True
    return isinstance(stmt, (Select, CompoundSelect)) and not any(
        getattr(cte.element, "is_dml", False) for cte in (getattr(compiled, "ctes", None) or ()))


@event.listens_for(Engine, "begin")
def _mark_read_only(conn):
    if conn.dialect.name == "postgresql":
        conn.info[READ_ONLY] = True


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, _cursor, _statement, _parameters, context, _executemany):
    if READ_ONLY in conn.info and not _only_reads(context):
        del conn.info[READ_ONLY]


@event.listens_for(Engine, "commit")
def _end_read_only(conn):
    if not conn.invalidated:  # a dropped connection's info cannot be asked for: its commit fails anyway
        conn.info.pop(READ_ONLY, None)


@event.listens_for(Pool, "checkout")
def _fresh_checkout(dbapi_conn, record, _proxy):
    for key in (READ_ONLY, APPLIED, PENDING, QUESTION):  # whatever a previous holder left
        record.info.pop(key, None)
    if record.info.pop(OWN_BEGIN, None) and dbapi_conn.info.transaction_status == _IDLE:
        dbapi_conn.autocommit = False  # never handed out in autocommit, whatever ended the last holder


def _end_own_begin(dbapi_connection) -> None:
    """After a commit or rollback: a connection begun by ``_send_with_statement`` leaves autocommit."""
    try:
        info = dbapi_connection.info
    except (AttributeError, NotImplementedError):
        return
    if not isinstance(info, dict) or OWN_BEGIN not in info:
        return
    driver = dbapi_connection.driver_connection
    if driver.closed:
        del info[OWN_BEGIN]
    elif driver.info.transaction_status == _IDLE:
        driver.autocommit = False
        del info[OWN_BEGIN]


class RlsEnginePlugin(CreateEnginePlugin):
    """``create_engine(..., plugins=["jiceng_rls"])`` on psycopg: a transaction that only read ends
    with ``COMMIT``, which keeps psycopg's prepared statements (see the module docstring), and a
    transaction begun in its first statement's pipeline leaves autocommit when it ends."""

    def update_url(self, url):
        return url

    def engine_created(self, engine) -> None:
        dialect = engine.dialect
        if dialect.name != "postgresql" or dialect.driver != "psycopg":
            return
        from psycopg.pq import TransactionStatus
        rollback, commit = dialect.do_rollback, dialect.do_commit

        def do_rollback(dbapi_connection) -> None:
            try:
                info = dbapi_connection.info  # the pool's entry; not there on the engine's first connect
            except (AttributeError, NotImplementedError):
                info = None
            read_only = isinstance(info, dict) and info.pop(READ_ONLY, False)
            driver = getattr(dbapi_connection, "driver_connection", None)
            try:
                if read_only and driver is not None and driver.info.transaction_status == TransactionStatus.INTRANS:
                    driver.commit()
                else:
                    rollback(dbapi_connection)
            finally:
                _end_own_begin(dbapi_connection)

        def do_commit(dbapi_connection) -> None:
            try:
                commit(dbapi_connection)
            finally:
                _end_own_begin(dbapi_connection)
        dialect.do_rollback, dialect.do_commit = do_rollback, do_commit
        setattr(dialect, OWN_BEGIN, True)


def _register_plugin() -> None:
    from sqlalchemy.dialects import plugins
    plugins.register("jiceng_rls", __name__, "RlsEnginePlugin")


_register_plugin()


def sync_rls_settings() -> None:
    """Re-apply the settings inside an already open transaction (the context changed mid-request)."""
    from ..db import db
    try:
        session = db.session()
    except RuntimeError:  # no app context
        return
    if session.info.get("system_scope") or not session.in_transaction():
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        _apply(conn)


def enable_tenant_rls_sql(table: str, app_role: str = "jiceng_app") -> list[str]:
    """DDL for §3.5: ENABLE + FORCE, the four policies, DML grants to the runtime role."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_read ON {table} FOR SELECT USING (tenant_id = ANY (jiceng_visible()))",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK (tenant_id = jiceng_active())",
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE USING (tenant_id = jiceng_active()) "
        f"WITH CHECK (tenant_id = jiceng_active())",
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE USING (tenant_id = jiceng_active())",
    ]


FUNCTIONS_SQL = [
    """CREATE OR REPLACE FUNCTION jiceng_active() RETURNS bigint STABLE LANGUAGE sql AS
       $$ SELECT NULLIF(current_setting('jiceng.active_tenant', true), '')::bigint $$""",
    """CREATE OR REPLACE FUNCTION jiceng_visible() RETURNS bigint[] STABLE LANGUAGE sql AS
       $$ SELECT string_to_array(NULLIF(current_setting('jiceng.visible_tenants', true), ''), ',')::bigint[] $$""",
    """CREATE OR REPLACE FUNCTION jiceng_user() RETURNS bigint STABLE LANGUAGE sql AS
       $$ SELECT NULLIF(current_setting('jiceng.user_id', true), '')::bigint $$""",
]
