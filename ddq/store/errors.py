"""What the store refuses: a domain error the web layer and the CLI turn into a message."""

from __future__ import annotations


class StoreError(ValueError):
    """A write that would break a rule of the domain; nothing was changed."""
