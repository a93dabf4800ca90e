"""The application's questionnaire library, read and checked once per process."""

from __future__ import annotations

from flask import current_app

from .core.definitions import Library, load_library


def current_library() -> Library:
    """The definitions of the running app; a broken definition raises DefinitionError naming every problem."""
    library = current_app.extensions.get("ddq.library")
    if library is None:
        library = current_app.extensions["ddq.library"] = load_library(current_app.config["DDQ_QUESTIONNAIRES"])
    return library
