"""The PostgreSQL dialect of the shared ledger statements (ledger.py) and the ledger's count of places."""

from __future__ import annotations

from .ledger import Dialect, committed_sql
from .pgseq import touch

POSTGRES = Dialect(
    "postgres",
    "%s",
    "extract(epoch from now())::float8",
    "COALESCE(trunc((profiles.data ->> 'capacity')::numeric), 0)::bigint",
    touch,
    " FOR UPDATE SKIP LOCKED",
)

# The places a profile's ledger takes (StoredProfile.committed), read with every profile; found through the
# partial indexes relationships_places and requests_places (nothing to read for a mentor without any).
COMMITTED = committed_sql(POSTGRES)
