"""The lexical (BM25) side of hybrid search, kept in SQLite's FTS5 next to the profiles.

Why FTS5 rather than an in-memory BM25 library: it lives in the same SQLite file and the same
transaction as the profile it indexes, so every upsert and delete reaches the lexical index at
once, a crash can never leave the two apart, and every server process sees the same index
without rebuilding it. FTS5 ranks with Okapi BM25 (k1 = 1.2, b = 0.75) and stems with Porter.
"""

from __future__ import annotations

import re
import sqlite3

from .needs import STOP_WORDS  # noqa: F401 - shared with the need phrases; imported from here too

TABLE = "lexical"

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_TERMS = 32


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the FTS5 table (rowid = the profile's row id) if it does not exist."""
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
        "text, tokenize = 'porter unicode61 remove_diacritics 2')"
    )


def upsert(conn: sqlite3.Connection, row_id: int, text: str) -> None:
    """Index (or re-index) the text of one profile; call inside the profile's own transaction."""
    conn.execute(f"DELETE FROM {TABLE} WHERE rowid = ?", (row_id,))
    if text:
        conn.execute(f"INSERT INTO {TABLE}(rowid, text) VALUES (?, ?)", (row_id, text))


def delete(conn: sqlite3.Connection, row_id: int) -> None:
    """Remove one profile from the lexical index."""
    conn.execute(f"DELETE FROM {TABLE} WHERE rowid = ?", (row_id,))


def query_terms(text: str) -> list[str]:
    """The distinct content words of a need, in order, without stop words (at most 32)."""
    terms: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        if token in STOP_WORDS or len(token) < 2 or token in terms:
            continue
        terms.append(token)
    return terms[:MAX_QUERY_TERMS]


def match_expression(text: str) -> str | None:
    """An FTS5 MATCH expression that ORs the need's content words (None when there are none)."""
    terms = query_terms(text)
    if not terms:
        return None
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


def search(conn: sqlite3.Connection, text: str, k: int) -> list[tuple[int, float]]:
    """The k best (row_id, BM25 score) pairs for a need, best first; higher score is better."""
    expression = match_expression(text)
    if expression is None or k <= 0:
        return []
    rows = conn.execute(
        f"SELECT rowid, bm25({TABLE}) AS s FROM {TABLE} WHERE {TABLE} MATCH ? ORDER BY s LIMIT ?",
        (expression, k),
    ).fetchall()
    return [(int(row_id), -float(score)) for row_id, score in rows]
