"""The change sequence on PostgreSQL: the single `meta` row 'seq' (see postgres.py for why it is correct).

Every transaction that changes a profile row increments it first and keeps the row locked until it
commits, so such transactions take turns, in the order of their numbers. That lock is also the one
the store's other all-or-nothing steps wait for (changes_held, set_embeddings, programmes' publish).
"""

from __future__ import annotations

import psycopg


def bump_seq(cur: psycopg.Cursor) -> int:
    """Increment the change sequence; the row stays locked (other writers wait) until commit."""
    return int(cur.execute("UPDATE meta SET value = value + 1 WHERE key = 'seq' RETURNING value").fetchone()[0])


def hold_seq(cur: psycopg.Cursor) -> int:
    """Lock the change sequence's row without changing it (writers wait until commit); returns its value."""
    return int(cur.execute("SELECT value FROM meta WHERE key = 'seq' FOR UPDATE").fetchone()[0])


def touch(cur: psycopg.Cursor, profile_ids: set[str]) -> int:
    """Give these profiles a new change number (in the caller's transaction), so that every process's
    catalog catches up with them (their capacity left changed); returns the number."""
    seq = bump_seq(cur)
    cur.execute("UPDATE profiles SET seq = %s WHERE id = ANY(%s)", (seq, sorted(profile_ids)))
    return seq
