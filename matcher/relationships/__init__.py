"""After the match: introductions (requests), relationships, sessions, pairing fit, "never again" and the events.

This package owns what happens once a match is made: a mentee asks a mentor for an introduction
(`pending` -> `accepted` | `declined` | `expired` | `withdrawn`), an accepted request or a published
programme pair becomes a relationship (`active` -> `completed` | `ended`), sessions are logged against
its plan, each side answers the pairing-fit question, and every change leaves an event in the store's
outbox for other apps. The pure modules (`records`, `states`, `access`, `events`, `inputs`) import only
the standard library, pydantic, `matcher.errors` and `matcher.profiles`: no store, Flask, index or model,
so every rule can be tested with a few lines. `service` (the façade the faces call) may import the store's
records, the search side's mentee and style rules, and `matcher.programmes.pair_plan` for the plans;
the transactions themselves live in `matcher.store.relationships` (one for SQLite and PostgreSQL alike).
`webhooks` delivers the outbox's events to other apps (Standard Webhooks, from a background sender; its
bookkeeping per event and receiver in `matcher.store.webhooks`).
"""
