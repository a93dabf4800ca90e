"""ddq: due-diligence questionnaires that run both ways, score symmetrically and keep the burden proportionate.

Importing the package loads nothing else, so that the domain core (ddq.core) stays free of Flask and SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the ddq application; `config` overrides the environment (tests pass theirs here)."""
    from .app import create_app as build

    return build(config)
