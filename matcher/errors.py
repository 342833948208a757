"""The error types every layer raises and the faces (HTTP, CLI) answer, in one place.

Imports nothing of the matcher: the store, the index, the search and the faces all import it, so a face
catches a store's or a match's error without importing the store or the search.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- Bad input: the faces answer 422 (HTTP) or exit 2 (CLI), naming each field.


@dataclass(frozen=True)
class FieldError:
    """One reason a document was refused: the field (dotted path, '' for the whole document) and why."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason


class InvalidInput(ValueError):
    """Raised when a document fails validation; `errors` lists each field and its reason."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class SettingsError(ValueError):
    """Settings that cannot be used; the message names each variable, its value and what is allowed."""


class AdaptOptionError(ValueError):
    """An option of `mentor-match adapt` cannot be used; the message names it and says why."""


class EngineUnavailable(ValueError):
    """The engine asked for is unknown or not installed (bad usage: the CLI exits 2)."""


# -- The store.


class ReindexRunning(RuntimeError):
    """Another process (or thread) holds the re-index lock."""


class PurgeIncomplete(RuntimeError):
    """The store could not yet remove every trace of deleted profiles from its files (e.g. busy readers)."""


class StoreUnavailable(RuntimeError):
    """The store's database does not answer right now (stopped, restarting, unreachable, or no connection
    free within the wait): nothing was read or changed by the failed call; try again in a moment."""


class OverCommitted(RuntimeError):
    """Publishing would give mentors more long-term mentees than their capacity; nothing was published."""

    def __init__(self, mentors: dict[str, tuple[int, int]]):
        self.mentors = mentors  # mentor id -> (places asked for, places left)
        named = ", ".join(f"{m} ({asked} asked, {left} left)" for m, (asked, left) in sorted(mentors.items()))
        super().__init__(f"publishing would over-commit {len(mentors)} mentor(s): {named}")


class SchemaMismatch(RuntimeError):
    """The database's schema is not the version this code needs (missing, behind or ahead)."""


# -- A match, the index and the model.


class BudgetExceeded(RuntimeError):
    """A match ran out of its time budget; it was abandoned at `stage` (the caller may retry later)."""

    def __init__(self, budget_ms: float, stage: str):
        self.budget_ms = budget_ms
        self.stage = stage
        super().__init__(f"the match did not finish within its budget of {budget_ms:g} ms (stopped {stage})")


class IndexMismatch(RuntimeError):
    """The index on disk was built by another model or is corrupt; it must be rebuilt."""


class ModelNotFound(RuntimeError):
    """The configured model folder (or its ONNX export) is not there."""


class EngineError(RuntimeError):
    """An engine could not run (e.g. no Ray cluster at the address given), or gave unusable vectors."""


class AdaptRunning(RuntimeError):
    """Another `mentor-match adapt` is writing to the same models folder."""


class ExportUnavailable(RuntimeError):
    """The packages that export the adapted model to ONNX and int8 are not installed."""


# -- Introductions and relationships: the faces answer 404, 403, 409 and 422 (with the rule).


class NotFound(LookupError):
    """No record with this id (a request, a relationship, a person); `field` names where the id came from."""

    def __init__(self, field: str, detail: str):
        self.field = field
        self.detail = detail
        super().__init__(f"{field}: {detail}")


class NotAllowed(PermissionError):
    """The caller may not do this to this record (e.g. answering a request made to someone else)."""

    def __init__(self, field: str, detail: str):
        self.field = field
        self.detail = detail
        super().__init__(f"{field}: {detail}")


class Conflict(RuntimeError):
    """The record's state does not allow the change (a wrong transition, a duplicate, no room); nothing changed.
    `field` names the input concerned; `extensions` add members to the problem document (e.g. the existing id)."""

    def __init__(self, field: str, detail: str, **extensions):
        self.field = field
        self.detail = detail
        self.extensions = extensions
        super().__init__(f"{field}: {detail}")


class RuleRefused(InvalidInput):
    """A style's eligibility rule does not allow this pair (`rule`: oneself, not_a_mentor, style, reporting_line,
    no_room, never_again); answered 422 naming the rule and the field."""

    def __init__(self, rule: str, field: str, reason: str):
        self.rule = rule
        super().__init__([FieldError(field, f"{reason} (rule: {rule})")])


class LearnRunning(RuntimeError):
    """Another `mentor-match learn` is writing to the same data dir's learned rankings."""
