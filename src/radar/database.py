"""radar's connection to its SQLite file: sqlite3 for rows, sqlite-utils for tables.

Importing sqlite-utils takes about 55 ms, a quarter of a whole `radar today`, and the
commands people run most (today, following, search, follow) only read and write rows.
So this class answers `execute`, `query` and `atomic` itself, with sqlite-utils'
transaction rules, and loads sqlite-utils the first time code asks for a table (to
create, alter or bulk-insert) or runs the migrations.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils
    from sqlite_utils.db import Table

Params = Sequence[Any] | Mapping[str, Any] | None

# Statements that manage a transaction themselves: execute() leaves it to them.
_TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"})
_READING = frozenset({"SELECT", "WITH", "VALUES", "PRAGMA", "EXPLAIN"})
# What sqlite3 skips before a statement's first keyword: space, comments, empty statements.
_FIRST_WORD = re.compile(r"(?:\s|;|\ufeff|--[^\n]*(?:\n|$)|/\*.*?\*/)*(\w*)", re.DOTALL)


class Database:
    """One connection, with the same transaction rules as sqlite_utils.Database:

    - a write run by `execute` outside a transaction commits at once;
    - `atomic()` is a transaction that takes the write lock first, or a savepoint inside one;
    - `query()` runs the statement at once and yields each row as a dict.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._savepoints = 0
        # The full-text index's triggers call it (migration m021): every connection that
        # writes papers must know it. Other programs read the store as they like.
        from radar.latex import SEARCH_TEXT_FUNCTION, search_text

        conn.create_function(SEARCH_TEXT_FUNCTION, 1, search_text, deterministic=True)

    @cached_property
    def utils(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, for table work and migrations."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn, execute_plugins=False)

    def table(self, name: str) -> Table:
        return self.utils.table(name)

    def __getitem__(self, name: str) -> Table:
        return self.table(name)

    def execute(self, sql: str, parameters: Params = None) -> sqlite3.Cursor:
        was_in_transaction = self.conn.in_transaction
        try:
            cursor = self.conn.execute(sql) if parameters is None else self.conn.execute(sql, parameters)
        except Exception:
            # A failed write may have opened an implicit transaction that nothing would
            # ever commit; it would swallow every later write.
            if not was_in_transaction and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        if (
            not was_in_transaction
            and self.conn.in_transaction
            and cursor.description is None
            and _first_word(sql) not in _TRANSACTION_CONTROL
        ):
            # sqlite3 opened a transaction before this write: commit it, as sqlite-utils does.
            self.conn.execute("COMMIT")
        return cursor

    def query(self, sql: str, parameters: Params = None) -> Iterator[dict[str, Any]]:
        """Rows as dicts. The statement runs now; rows are read as they are iterated.

        Only for reading: a write is refused, and a WITH statement that writes is undone.
        """
        keyword = _first_word(sql)
        if keyword not in _READING:
            raise ValueError(_NOT_A_QUERY)
        if keyword != "WITH":
            cursor = self.execute(sql, parameters)
            if cursor.description is None:
                raise ValueError(_NOT_A_QUERY)
            return _dicts(cursor.description, cursor)
        # A common table expression may end in a write: run it whole in a transaction
        # (or savepoint) and undo it if it changed a row.
        changes = self.conn.total_changes
        with self.atomic(immediate=False):
            cursor = self.execute(sql, parameters)
            rows = cursor.fetchall()
            if cursor.description is None or self.conn.total_changes != changes:
                raise ValueError(_NOT_A_QUERY)
        return _dicts(cursor.description, rows)

    @contextmanager
    def atomic(self, immediate: bool = True) -> Iterator[Database]:
        """A transaction (a savepoint inside one). It takes the write lock first (BEGIN
        IMMEDIATE): a transaction that reads and then writes, begun while a long writer
        (an import) commits batch after batch, would otherwise fail at its first write
        with "database is locked" at once, instead of waiting its turn on the busy timeout.
        `immediate=False` is for reading only: it never waits for a writer."""
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield self
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise
            return
        self._savepoints += 1
        savepoint = f"radar_{self._savepoints}"
        self.conn.execute(f"SAVEPOINT {savepoint}")
        try:
            yield self
        except BaseException:
            # A RAISE(ROLLBACK) or a full disk can end the whole transaction, savepoint
            # and all; undoing it then would hide the real error behind "no such savepoint".
            if self.conn.in_transaction:
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            raise
        self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def table_names(self) -> list[str]:
        return [row[0] for row in self.conn.execute("select name from sqlite_master where type = 'table'")]

    def close(self) -> None:
        self.conn.close()


_NOT_A_QUERY = "query() is for statements that read rows; use execute() to write"


def _first_word(sql: str) -> str:
    match = _FIRST_WORD.match(sql)
    return match.group(1).upper() if match else ""


def _dicts(description: Any, rows: Iterable[Sequence[Any]]) -> Iterator[dict[str, Any]]:
    # Two columns of one name ("select p.id, m.id") both stay: the second as id_2, as
    # sqlite-utils names them.
    keys: list[str] = []
    for column in description:
        key, n = column[0], 1
        while key in keys:
            n += 1
            key = f"{column[0]}_{n}"
        keys.append(key)
    return (dict(zip(keys, row, strict=True)) for row in rows)
