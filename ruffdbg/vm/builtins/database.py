"""SQLite through Python's ``sqlite3``: db_connect, db_execute, db_query,
transactions (db_begin, db_commit, db_rollback), db_last_insert_id, db_close
and connection pools (db_pool*), with the reference's results and messages.

A connection is a ``Database`` value (``type()`` says ``database``; printed it
shows ``<unknown>``, as the reference prints it). It is a handle: copies of the
value share the connection. Only ``sqlite`` is available; PostgreSQL and MySQL
connections fail with "... is not available in ruffdbg". A pool that has
handed out all its connections fails at once instead of waiting (the program
is single-threaded, nothing could release one).
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

from ruffdbg.core.arrays import ARRAY_TYPES
from ruffdbg.core.errors import RuffError
from ruffdbg.core.values import debug_repr
from ruffdbg.vm.builtins.registry import builtin


class Database:
    """An open SQLite connection and whether a transaction is in progress."""

    def __init__(self, connection: sqlite3.Connection, path: str):
        self.connection = connection
        self.path = path
        self.in_transaction = False

    def __str__(self) -> str:
        return "<unknown>"


class DatabasePool:
    """Connections to one database, created on demand up to ``max``."""

    def __init__(self, db_type: str, path: str, max_connections: int):
        self.db_type = db_type
        self.path = path
        self.max = max_connections
        self.available: deque[Database] = deque()
        self.in_use = 0
        self.total = 0

    def __str__(self) -> str:
        return "<unknown>"


def _open(path: str, failure: str) -> Database:
    try:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except (sqlite3.Error, ValueError, OSError) as error:
        raise RuffError(f"{failure}: {error}") from None
    return Database(connection, path)


def _check_type(db_type: Any, name: str) -> str:
    kind = db_type.lower()
    if kind == "sqlite":
        return kind
    if kind in ("postgres", "postgresql", "mysql"):
        raise RuffError(f"{name}: {kind} databases are not available in ruffdbg (sqlite only)")
    raise RuffError(f"Unsupported database type: {db_type}. Supported types: sqlite, postgres, mysql")


@builtin("db_connect", 2)
def _db_connect(ctx: Any, args: list) -> Database:
    """db_connect("sqlite", path): open (or create) the database; ":memory:" for one in memory."""
    db_type, path = args
    if type(db_type) is not str or type(path) is not str:
        raise RuffError("db_connect requires database type ('sqlite'|'postgres'|'mysql') and connection string")
    _check_type(db_type, "db_connect")
    return _open(path, "Failed to connect to SQLite")


def _db(name: str, v: Any, message: str) -> Database:
    if type(v) is not Database:
        raise RuffError(message)
    if v.connection is None:
        raise RuffError(f"{name}: the database connection is closed")
    return v


def _param(v: Any) -> Any:
    t = type(v)
    if v is None or t is int or t is float or t is str:
        return v
    if t is bool:
        return int(v)
    return debug_repr(v)


def _params(name: str, args: list) -> list:
    if len(args) < 3:
        return []
    given = args[2]
    if type(given) not in ARRAY_TYPES:
        return []
    return [_param(v) for v in given]


def _cell(v: Any) -> Any:
    if type(v) is bytes:
        return "[blob]"
    return v


@builtin("db_execute", 2, 3)
def _db_execute(ctx: Any, args: list) -> int:
    """db_execute(db, sql, [params]): run one statement (? placeholders take params); the number of rows changed."""
    db = _db("db_execute", args[0], "db_execute requires a database connection as first argument")
    sql = args[1]
    if type(sql) is not str:
        raise RuffError("db_execute requires SQL string as second argument")
    try:
        cursor = db.connection.execute(sql, _params("db_execute", args))
    except (sqlite3.Error, ValueError, OverflowError) as error:
        raise RuffError(f"SQLite execution error: {error}") from None
    return cursor.rowcount if cursor.rowcount >= 0 else 0


@builtin("db_query", 2, 3)
def _db_query(ctx: Any, args: list) -> list:
    """db_query(db, sql, [params]): the rows, each a dict from column name to value."""
    db = _db("db_query", args[0], "db_query requires a database connection as first argument")
    sql = args[1]
    if type(sql) is not str:
        raise RuffError("db_query requires SQL string as second argument")
    try:
        cursor = db.connection.execute(sql, _params("db_query", args))
        rows = cursor.fetchall()
    except (sqlite3.Error, ValueError, OverflowError) as error:
        raise RuffError(f"SQLite query error: {error}") from None
    names = [column[0] for column in cursor.description or ()]
    return [{name: _cell(value) for name, value in zip(names, row)} for row in rows]


@builtin("db_close", 1)
def _db_close(ctx: Any, args: list) -> bool:
    """db_close(db): close the connection; true."""
    db = args[0]
    if type(db) is not Database:
        raise RuffError("db_close requires a database connection")
    if db.connection is not None:
        db.connection.close()
        db.connection = None
    return True


def _transaction(name: str, args: list, statement: str, want: bool, wrong_state: str, failure: str) -> bool:
    db = _db(name, args[0], f"{name} requires a database connection as first argument")
    if db.in_transaction != want:
        raise RuffError(wrong_state)
    try:
        db.connection.execute(statement)
    except sqlite3.Error as error:
        raise RuffError(f"{failure}: {error}") from None
    db.in_transaction = not want
    return True


@builtin("db_begin", 1)
def _db_begin(ctx: Any, args: list) -> bool:
    """db_begin(db): start a transaction; true. One at a time."""
    return _transaction("db_begin", args, "BEGIN TRANSACTION", False,
                        "Transaction already in progress. Commit or rollback first.", "Failed to begin transaction")


@builtin("db_commit", 1)
def _db_commit(ctx: Any, args: list) -> bool:
    """db_commit(db): make the transaction's changes permanent; true."""
    return _transaction("db_commit", args, "COMMIT", True,
                        "No transaction in progress. Use db_begin() first.", "Failed to commit transaction")


@builtin("db_rollback", 1)
def _db_rollback(ctx: Any, args: list) -> bool:
    """db_rollback(db): undo the transaction's changes; true."""
    return _transaction("db_rollback", args, "ROLLBACK", True,
                        "No transaction in progress. Use db_begin() first.", "Failed to rollback transaction")


@builtin("db_last_insert_id", 1)
def _db_last_insert_id(ctx: Any, args: list) -> float:
    """db_last_insert_id(db): the rowid of the last inserted row (a float, as the reference returns it)."""
    db = _db("db_last_insert_id", args[0], "db_last_insert_id requires a database connection as first argument")
    return float(db.connection.execute("SELECT last_insert_rowid()").fetchone()[0])


# --------------------------------------------------------------------------
# Pools


def _count(config: dict, key: str, default: int) -> int:
    v = config.get(key)
    if type(v) is int:
        return max(v, 0)
    if type(v) is float and v == v and abs(v) < 2**62:
        return max(int(v), 0)
    return default


@builtin("db_pool", 2, 3)
def _db_pool(ctx: Any, args: list) -> DatabasePool:
    """db_pool(type, path, [config]): a pool; config may set min_connections, max_connections (20), connection_timeout."""
    db_type, path = args[0], args[1]
    if type(db_type) is not str or type(path) is not str:
        raise RuffError("db_pool requires database type and connection string")
    config = args[2] if len(args) > 2 else {}
    if type(config) is not dict:
        raise RuffError("db_pool optional config argument must be a dictionary")
    _check_type(db_type, "db_pool")
    low, high = _count(config, "min_connections", 5), _count(config, "max_connections", 20)
    if low > high:
        raise RuffError("Failed to create connection pool: min_connections cannot be greater than max_connections")
    return DatabasePool("sqlite", path, high)


def _pool(name: str, v: Any) -> DatabasePool:
    if type(v) is not DatabasePool:
        raise RuffError(f"{name} requires a database pool")
    return v


@builtin("db_pool_acquire", 1)
def _db_pool_acquire(ctx: Any, args: list) -> Database:
    """db_pool_acquire(pool): a free connection, opening a new one while under the maximum."""
    pool = _pool("db_pool_acquire", args[0])
    if pool.available:
        pool.in_use += 1
        return pool.available.popleft()
    if pool.total >= pool.max:
        raise RuffError("Failed to acquire connection: Connection pool timeout: all connections are in use")
    db = _open(pool.path, "Failed to acquire connection: Failed to create SQLite connection")
    pool.total += 1
    pool.in_use += 1
    return db


@builtin("db_pool_release", 2)
def _db_pool_release(ctx: Any, args: list) -> bool:
    """db_pool_release(pool, db): give the connection back to the pool; true."""
    if type(args[0]) is not DatabasePool:
        raise RuffError("db_pool_release requires a database pool as first argument")
    if type(args[1]) is not Database:
        raise RuffError("db_pool_release requires a database connection as second argument")
    pool, db = args
    pool.available.append(db)
    pool.in_use = max(pool.in_use - 1, 0)
    return True


@builtin("db_pool_stats", 1)
def _db_pool_stats(ctx: Any, args: list) -> dict:
    """db_pool_stats(pool): {available, in_use, total, max}."""
    pool = _pool("db_pool_stats", args[0])
    return {"available": len(pool.available), "in_use": pool.in_use, "total": pool.total, "max": pool.max}


@builtin("db_pool_close", 1)
def _db_pool_close(ctx: Any, args: list) -> bool:
    """db_pool_close(pool): close the free connections and reset the counts (the pool stays usable); true."""
    pool = _pool("db_pool_close", args[0])
    while pool.available:
        db = pool.available.popleft()
        if db.connection is not None:
            db.connection.close()
            db.connection = None
    pool.in_use = pool.total = 0
    return True


