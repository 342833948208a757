"""Who is asking: the mentee of a match request, described inline or named by the id of a stored profile.

With "full" trust (operators: the CLI, admin keys, programmes) a stored mentee brings everything: their
seniority, time zone, languages, goals, bio and reporting line. With "limited" trust (`match` keys, the
web form) the id must name an active, discoverable person (any other id is answered exactly like an
unknown one), and it brings only their public fields and the rules that protect them, never their bio
or goals: see SECURITY.md "What a match shows".
"""

from __future__ import annotations

from ..errors import FieldError, InvalidInput
from ..profiles import offers_text
from ..store import ProfileStore
from ..styles.catalog import Catalog
from ..styles.rules import Mentee
from .request import MenteeSpec, Trust

MAX_REPORTING_DEPTH = 20  # managers followed up the chain (a loop in the data ends it sooner)


def resolve_mentee(spec: MenteeSpec, store: ProfileStore, catalog: Catalog, trust: Trust = "full") -> Mentee:
    """The Mentee a request describes; inline fields override stored ones.

    Raises:
        InvalidInput: `mentee.id` names nobody this caller may name.
    """
    if spec.id is None:
        return Mentee(spec.seniority, spec.timezone, tuple(spec.languages), spec.goals, spec.bio)
    stored = store.get(spec.id)
    usable = stored is not None and (trust == "full" or (stored.profile.active and stored.profile.discoverable))
    if not usable:
        suffix = "" if trust == "full" else " that may be named here"
        raise InvalidInput([FieldError("mentee.id", f"no stored profile with id {spec.id!r}{suffix}")])
    person = stored.profile
    private = trust == "full"
    return Mentee(
        seniority=spec.seniority if spec.seniority is not None else person.seniority,
        timezone=spec.timezone or person.timezone,
        languages=tuple(spec.languages or person.languages),
        goals=spec.goals or (person.goals if private else ""),
        bio=spec.bio or (offers_text(person) if private else ""),
        id=person.id,
        row_id=stored.row_id,
        reporting_rows=managers_up_the_chain(person.manager_id, store, catalog),
        stored_offers=private and not spec.bio,
    )


def managers_up_the_chain(manager_id: str | None, store: ProfileStore, catalog: Catalog) -> frozenset[int]:
    """Row ids of a person's manager, their manager, and so on (at most MAX_REPORTING_DEPTH, loops end it)."""
    chain: set[int] = set()
    depth = 0
    while manager_id and depth < MAX_REPORTING_DEPTH:
        row = catalog.row_of.get(manager_id)
        if row is None or row in chain:
            break
        chain.add(row)
        manager = store.get(manager_id)
        manager_id, depth = (manager.profile.manager_id if manager else None), depth + 1
    return frozenset(chain)
