"""Open a SQLite file this installation owns, and only such a file.

The data directory may be shared by a team, so a file in it is not trusted just for
its name. SQLite runs no code on open, but a schema can: a trigger fires on our own
writes and a view runs its SQL when read. So before any other statement the file must
carry our application id and schema version, and its schema must be exactly the one a
fresh file gets (same tables, indexes and virtual tables, no triggers, no views). A file
that is not SQLite, is another program's, or was edited is moved aside with a warning
that says where it went, and a fresh one is created: everything in it can be rebuilt
from the shared manifest.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

log = logging.getLogger(__name__)

APP_ID = 0x6E726167  # "nrag": says the file is ours, not any SQLite file left here


class ForeignDatabase(Exception):
    """The file is not one this installation wrote (or it was changed since)."""


def _schema_of(conn: sqlite3.Connection) -> set[tuple[str, str, str | None]]:
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    return {(t, n, s) for t, n, s in rows}


def expected_schema(schema: str) -> set[tuple[str, str, str | None]]:
    """What ``schema`` creates, read back from a scratch in-memory database."""
    mem = sqlite3.connect(":memory:")
    try:
        mem.executescript(schema)
        return _schema_of(mem)
    finally:
        mem.close()


def check(conn: sqlite3.Connection, version: int, schema: str) -> bool:
    """True if the file is ours and current; False if it is empty (new).

    Raises :class:`ForeignDatabase` otherwise. Reads only pragmas and sqlite_master,
    which run no schema code.
    """
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    found = _schema_of(conn)
    if app_id == 0 and not found:
        return False
    if app_id != APP_ID:
        raise ForeignDatabase(f"application id {app_id:#x} is not newsrag's ({APP_ID:#x})")
    got = conn.execute("PRAGMA user_version").fetchone()[0]
    if got != version:
        raise ForeignDatabase(f"schema version {got}, this program uses {version}")
    want = expected_schema(schema)
    if found != want:
        odd = sorted(f"{t} {n}" for t, n, _ in found ^ want)
        raise ForeignDatabase(f"schema differs from newsrag's ({', '.join(odd[:5])})")
    return True


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a commit point is explicit.
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    # Functions with side effects may not run from schema code, whatever a file holds.
    conn.execute("PRAGMA trusted_schema=OFF")
    return conn


def _move_aside(path: Path, why: str) -> Path:
    aside = path.with_name(f"{path.name}.refused-{time.strftime('%Y%m%dT%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(path) + suffix)
        if src.exists():
            src.replace(Path(str(aside) + suffix))
    log.warning(
        "%s is not a newsrag index (%s); moved it to %s and building a fresh one from the manifest",
        path,
        why,
        aside,
    )
    return aside


def open_db(path: Path, version: int, schema: str) -> sqlite3.Connection:
    """A connection to ``path``, created with ``schema`` if new, refused and replaced if foreign."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(2):
        conn = _connect(path)
        try:
            if not check(conn, version, schema):
                _create(conn, version, schema)
            conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for the ingesting process
            return conn
        except (ForeignDatabase, sqlite3.DatabaseError) as err:
            conn.close()
            if attempt:
                raise
            _move_aside(path, str(err))
    raise AssertionError("unreachable")  # pragma: no cover


def _create(conn: sqlite3.Connection, version: int, schema: str) -> None:
    conn.execute("BEGIN IMMEDIATE")  # two processes starting at once: one creates, one waits
    try:
        if not _schema_of(conn):
            for statement in _statements(schema):
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id={APP_ID}")
            conn.execute(f"PRAGMA user_version={int(version)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    check(conn, version, schema)  # whoever created it, it must now be exactly ours


def _statements(schema: str) -> list[str]:
    return [s.strip() for s in schema.split(";") if s.strip()]
