"""The application's questionnaire library, read and checked once per process: the definitions folder
(DDQ_QUESTIONNAIRES) and the imported templates beside it (DDQ_IMPORTED), ids unique across both."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import current_app

from .core.definitions import Library, load_library


def imported_folder(config: Mapping[str, Any] | None = None) -> Path:
    """Where imported templates are written: DDQ_IMPORTED, by default the instance folder's questionnaires/."""
    config = current_app.config if config is None else config
    configured = config.get("DDQ_IMPORTED")
    return Path(configured) if configured else Path(current_app.instance_path) / "questionnaires"


def imported_files(folder: Path) -> list[Path]:
    """The imported definitions in `folder` (none when it does not exist yet)."""
    return sorted(path for path in folder.glob("*.yaml") if path.is_file()) if folder.is_dir() else []


def current_library() -> Library:
    """The definitions of the running app; a broken definition raises DefinitionError naming every problem."""
    library = current_app.extensions.get("ddq.library")
    if library is None:
        library = current_app.extensions["ddq.library"] = load_library(
            current_app.config["DDQ_QUESTIONNAIRES"], imported_files(imported_folder())
        )
    return library


def forget_library() -> None:
    """Read the library again on next use (after an import)."""
    current_app.extensions.pop("ddq.library", None)


def save_import(result: Any) -> Path:
    """Write a checked import (ddq.importers.frame.ImportResult) into the imported folder and make it usable at
    once; TemplateError when its id is already used in either folder. Nothing is written then."""
    from .core.definitions import DefinitionError
    from .importers.frame import definition_file, write_definition
    from .importers.intake import TemplateError, TemplateProblem

    questionnaire_id = result.definition["id"]
    source = result.definition["provenance"]["source"]
    folder = imported_folder()
    taken = questionnaire_id in current_library().questionnaires
    if taken or definition_file(folder, questionnaire_id, source).exists():
        raise TemplateError(
            [TemplateProblem(source, f"a questionnaire {questionnaire_id!r} already exists: choose another id")]
        )
    path = write_definition(result, folder)
    forget_library()
    try:
        current_library()  # read at once: what was written is checked with everything else
    except DefinitionError as error:
        path.unlink(missing_ok=True)
        forget_library()
        raise TemplateError([TemplateProblem(source, str(problem)) for problem in error.problems]) from None
    return path
