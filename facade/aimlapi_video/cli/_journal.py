"""The local journal: every created generation is written here before waiting starts, so none is ever lost.

A SQLite file under the user data directory (``AIMLAPI_VIDEO_HOME`` overrides it). Each write is its own
committed transaction on a fresh connection, so a process killed with SIGKILL right after ``record`` still
leaves the id on disk. The key is never stored; image payloads are stored as a short description.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

HOME_ENV_VAR = "AIMLAPI_VIDEO_HOME"
FILE_NAME = "journal.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS generations (
    id TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    params TEXT NOT NULL,
    base_url TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    status TEXT NOT NULL,
    video_url TEXT,
    credits_used REAL,
    output_path TEXT,
    saved INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    usd_spent REAL
)
"""
_FIRST_COLUMNS = (
    "id, model, params, base_url, created_at, updated_at, status, video_url, credits_used, output_path, saved, error"
)
#: Columns added since the first journals were made: added to such a journal in place (see ``_migrate``).
_ADDED = {"usd_spent": "REAL"}
_COLUMNS = ", ".join([_FIRST_COLUMNS, *_ADDED])
_UPDATABLE = frozenset({"status", "video_url", "credits_used", "usd_spent", "output_path", "saved", "error"})


def _migrate(conn: sqlite3.Connection) -> set[str]:
    """Add the columns a journal made by an earlier version lacks; the table's columns. A journal that cannot be
    written (read-only) keeps its columns, and is read without the new ones."""
    found = {row[1] for row in conn.execute("PRAGMA table_info(generations)")}
    if set(_FIRST_COLUMNS.split(", ")) <= found:  # ours (a foreign table of the same name is refused by ensure)
        for name, kind in _ADDED.items():
            if name not in found:
                with contextlib.suppress(sqlite3.OperationalError):
                    conn.execute(f"ALTER TABLE generations ADD COLUMN {name} {kind}")
                    found.add(name)
    return found


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_home(environ: Mapping[str, str] = os.environ) -> Path:
    """``AIMLAPI_VIDEO_HOME``, else the platform's user data directory for aimlapi-video."""
    if environ.get(HOME_ENV_VAR):
        return Path(environ[HOME_ENV_VAR]).expanduser()
    import platformdirs  # noqa: PLC0415  (only the CLI needs it)

    return Path(platformdirs.user_data_dir("aimlapi-video", appauthor=False))


@attrs.frozen
class Entry:
    """One journalled generation."""

    id: str
    model: str
    params: dict[str, Any]
    base_url: str
    created_at: str
    updated_at: str
    status: str
    video_url: str | None
    credits_used: float | None
    output_path: str | None
    saved: bool
    error: str | None
    usd_spent: float | None = None

    @property
    def prompt_summary(self) -> str:
        """The prompt on one line (``one_line``), cut to 40 characters."""
        prompt = one_line(str(self.params.get("prompt", "")))
        return prompt if len(prompt) <= 40 else prompt[:39] + "…"


def one_line(text: str | None) -> str:
    """``text`` on one line: each run of whitespace (tabs and newlines included) and each other control
    character becomes one space, so a listing keeps a line per entry and its fields tab-separated."""
    return " ".join("".join(c if c.isprintable() else " " for c in text or "").split())


class Journal:
    """Reads and writes the journal file; safe to use from several processes at once."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def default(cls) -> Journal:
        return cls(default_home() / FILE_NAME)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction on the journal; a database error names the file (SQLite's own
        messages, such as "file is not a database", do not)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fresh = not self.path.exists()
        try:
            conn = sqlite3.connect(self.path, timeout=10)
            try:
                if fresh:
                    os.chmod(self.path, 0o600)  # prompts and URLs are the user's business
                conn.execute(_SCHEMA)
                _migrate(conn)
                with conn:
                    yield conn
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:  # the same error (its type and error code kept), naming the file
            if exc.args and not str(exc.args[0]).startswith("the journal "):
                exc.args = (f"the journal {self.path}: {exc.args[0]}", *exc.args[1:])
            raise

    def ensure(self) -> None:
        """Create the journal now (folder, file, table) and prove a generation can be written to it, so a
        read-only file or a foreign table of the same name fails before the POST, not after it."""
        with self._connect() as conn:
            found = {row[1] for row in conn.execute("PRAGMA table_info(generations)")}
            missing = sorted(set(_COLUMNS.split(", ")) - found)
            if missing:  # a table of the same name that is not ours: later updates and reads would fail
                raise sqlite3.OperationalError(f"its generations table lacks {', '.join(missing)}")
            conn.execute("SAVEPOINT probe")
            conn.execute(
                "INSERT OR REPLACE INTO generations (id, model, params, base_url, created_at, updated_at, status,"
                " output_path)"
                " VALUES ('aimlapi-video-probe', '', '{}', '', '', '', '', NULL)"
            )
            conn.execute("ROLLBACK TO probe")
            conn.execute("RELEASE probe")

    def record(
        self,
        generation_id: str,
        *,
        model: str,
        params: Mapping[str, Any],
        base_url: str,
        status: str,
        output_path: str | None,
    ) -> None:
        """Write a newly created generation; called before any waiting starts."""
        now = _now()
        with self._connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO generations (id, model, params, base_url, created_at, updated_at, status,"
                " output_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    generation_id,
                    model,
                    json.dumps(dict(params), sort_keys=True),
                    base_url,
                    now,
                    now,
                    status,
                    output_path,
                ),
            )

    def update(self, generation_id: str, **fields: Any) -> None:
        """Change some of ``status``, ``video_url``, ``credits_used``, ``usd_spent``, ``output_path``, ``saved``,
        ``error``."""
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not journal fields: {', '.join(sorted(unknown))}")
        if not fields:
            return
        columns = ", ".join(f"{name} = ?" for name in fields)
        with self._connect() as conn:
            # Column names come from the fixed _UPDATABLE set; every value is a bound parameter.
            conn.execute(
                f"UPDATE generations SET {columns}, updated_at = ? WHERE id = ?",  # noqa: S608
                (*fields.values(), _now(), generation_id),
            )

    def get(self, generation_id: str) -> Entry | None:
        """The entry for an id, or None."""
        rows = self._select("WHERE id = ?", (generation_id,))
        return rows[0] if rows else None

    def last(self) -> Entry | None:
        """The most recently created entry, or None when the journal is empty."""
        rows = self._select("ORDER BY created_at DESC, rowid DESC LIMIT 1", ())
        return rows[0] if rows else None

    def unfinished(self) -> list[Entry]:
        """The generations still on their way to an output (not saved, not failed), newest first."""
        return self._select(
            "WHERE output_path IS NOT NULL AND saved = 0 AND LOWER(status) != 'error'"
            " ORDER BY created_at DESC, rowid DESC",
            (),
        )

    def entries(self, limit: int = 50) -> list[Entry]:
        """The newest entries first."""
        return self._select("ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,))

    def _select(self, where: str, args: tuple[Any, ...]) -> list[Entry]:
        if not self.path.exists():
            return []
        with self._connect() as conn:
            found = {row[1] for row in conn.execute("PRAGMA table_info(generations)")}
            columns = ", ".join(c if c in found else f"NULL AS {c}" for c in _COLUMNS.split(", "))
            # ``where`` is one of the fixed clauses written in this class; values are bound parameters.
            query = f"SELECT {columns} FROM generations {where}"  # noqa: S608
            rows = conn.execute(query, args).fetchall()
        return [
            Entry(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5], r[6], r[7], r[8], r[9], bool(r[10]), r[11], r[12])
            for r in rows
        ]
