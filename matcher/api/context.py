"""Per-app objects the views share: the service (opened once per process) and the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:  # the service pulls in torch and faiss: import it only where it is built
    from ..config import Settings
    from ..service import MatchService

SERVICE = "matcher.service"
SETTINGS = "matcher.settings"


def service() -> MatchService:
    """The app's MatchService."""
    return current_app.extensions[SERVICE]


def settings() -> Settings:
    """The app's Settings."""
    return current_app.extensions[SETTINGS]
