"""Purging deleted profiles from PostgreSQL: VACUUM, once no older snapshot can still see them.

Deleting a row in PostgreSQL leaves its old version in the table (MVCC) until VACUUM removes it,
and VACUUM can only remove versions that no open snapshot may still read. So the purge first waits
(a few seconds at most) until no session, replication slot or prepared transaction holds a snapshot
older than the purge, then vacuums the tables that held profile data, their TOAST data and every
index entry (INDEX_CLEANUP ON: by default VACUUM may skip the indexes when few rows died, and the
indexes hold profile ids and manager ids).

What VACUUM does not do (measured, see SECURITY.md "Erasure"): it marks the space free but does not
overwrite it, so the bytes stay in the table files until new rows reuse that space; the write-ahead
log keeps them until its segments are recycled; backups and replicas keep them.
"""

from __future__ import annotations

import time

import psycopg

from ..errors import PurgeIncomplete
from .dburl import masked

# What holds profile data (tombstones hold row numbers only): profiles, their vectors, the programme
# records erasure deletes (a member's need in their own words, pairs' evidence and plans, bans), and their
# introductions and relationships (needs, plans, sessions, fit answers, bans, events), and their outcomes
# (with the need they were matched for).
TABLES = (
    "profiles",
    "embeddings",
    "programme_cohort",
    "programme_pairs",
    "programme_bans",
    "requests",
    "relationships",
    "relationship_sessions",
    "relationship_fits",
    "never_again",
    "outbox",
    "outcomes",
)


def vacuum_deleted(conn: psycopg.Connection, url: str, attempts: int, pause: float) -> None:
    """Remove the old versions of deleted rows from the profile tables.

    Args:
        conn: an autocommit connection (VACUUM cannot run in a transaction); its role must own the tables.
        url: the database URL (named in errors with its password masked).
        attempts, pause: how often, and how many seconds apart, to check for older snapshots.
    Raises:
        PurgeIncomplete: an older snapshot (a long transaction, a running pg_dump, a replication slot,
            a prepared transaction) still holds them after attempts x pause seconds, or VACUUM skipped
            a table (it warns instead of failing, e.g. when the role does not own it).
    """
    # Every transaction that deleted a profile so far has an id below this one.
    horizon = int(conn.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint").fetchone()[0])
    holders: list[str] = []
    for attempt in range(attempts):
        holders = older_snapshots(conn, horizon % (1 << 32))
        if not holders:
            break
        if attempt < attempts - 1:
            time.sleep(pause)
    if holders:
        raise PurgeIncomplete(
            f"deleted profiles' old row versions are still visible to {', '.join(holders)} after "
            f"{attempts * pause:g} s, so VACUUM cannot remove them yet; run `mentor-match reindex` "
            f"again when that has finished"
        )
    warnings: list[str] = []

    def collect(diagnostic: psycopg.errors.Diagnostic) -> None:
        if diagnostic.severity_nonlocalized == "WARNING":
            warnings.append(diagnostic.message_primary or "")

    conn.add_notice_handler(collect)
    try:
        conn.execute(f"VACUUM (INDEX_CLEANUP ON) {', '.join(TABLES)}")
    finally:
        conn.remove_notice_handler(collect)
    if warnings:
        raise PurgeIncomplete(f"VACUUM in {masked(url)}: {'; '.join(warnings)}")


def older_snapshots(conn: psycopg.Connection, horizon: int) -> list[str]:
    """What may still see row versions deleted by transactions before `horizon` (a 32-bit transaction id).

    Args:
        conn: a connection to the database.
        horizon: the transaction id the purge started at (modulo 2^32).
    Returns:
        One description per holder: other sessions of this database with an older snapshot or
        transaction, replication slots and prepared transactions. Sessions of other roles show no
        snapshot here unless this role has pg_read_all_stats.
    """
    xid = str(horizon)
    rows = conn.execute(
        "SELECT 'session ' || pid || COALESCE(' (' || NULLIF(application_name, '') || ')', '') FROM pg_stat_activity "
        "WHERE pid <> pg_backend_pid() AND datname = current_database() "
        "AND (age(backend_xmin) > age(%s::xid) OR age(backend_xid) > age(%s::xid)) "
        "UNION ALL SELECT 'replication slot ' || slot_name FROM pg_replication_slots WHERE age(xmin) > age(%s::xid) "
        "UNION ALL SELECT 'prepared transaction ' || gid FROM pg_prepared_xacts "
        "WHERE database = current_database() AND age(transaction) > age(%s::xid)",
        (xid, xid, xid, xid),
    ).fetchall()
    return [row[0] for row in rows]
