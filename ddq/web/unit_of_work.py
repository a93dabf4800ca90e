"""One unit of work per request: views and operations only flush, and the request commits once, here.

A response under 400 (a page or a redirect) commits everything the request did; an error response or an exception
rolls all of it back, so a request that fails half-way leaves nothing behind. Messages are written to the outbox in
the same transaction (ddq.mail.queue), so a message exists exactly when its event does; once the commit has
succeeded the outbox is delivered (a background job when DDQ_REDIS_URL is set, see ddq.jobs). Other work that must
wait until the data is stored is queued with `after_commit`: it runs once the commit has succeeded, and never when
the request is rolled back.

Files follow the data. A file a request writes (an uploaded document) is recorded with `file_written` and deleted
when the request is rolled back, so a failed request leaves no file that no row names; so is the file of every
evidence file row the request inserts (the copies a carried-over answer brings, say), as only that row could name
it. A file a request removes is deleted with `remove_after_commit`, once the removal is stored, and kept when it is
not.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_request_context

from ..extensions import db
from ..store.models import EvidenceFile


def register(app: Flask) -> None:
    app.after_request(_finish)
    app.teardown_request(_discard)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once this request's changes are committed (not at all if they are rolled back)."""
    g.setdefault("ddq_after_commit", []).append(callback)


def file_written(path: Path) -> None:
    """Record a file this request writes (call it before writing): it is deleted if the request is rolled back."""
    if has_request_context():
        g.setdefault("ddq_files_written", []).append(Path(path))


@sa.event.listens_for(EvidenceFile, "after_insert")
def _evidence_inserted(mapper, connection, evidence: EvidenceFile) -> None:
    """A stored name is unique: a file named by a row this request inserts has no other row to belong to."""
    if has_request_context():
        file_written(Path(current_app.config["DDQ_UPLOADS"]) / evidence.stored_name)


def remove_after_commit(path: Path) -> None:
    """Delete a file once this request's changes are committed; it stays when they are rolled back."""
    after_commit(lambda: Path(path).unlink(missing_ok=True))


def _finish(response: Response) -> Response:
    callbacks = g.pop("ddq_after_commit", [])
    written = g.pop("ddq_outbox_written", [])
    if written:
        callbacks.append(lambda: _deliver_outbox(written))
    if response.status_code >= 400:
        _roll_back()
        return response
    try:
        db.session.commit()
    except Exception:
        _roll_back()
        raise  # the error page says the request was not saved
    g.pop("ddq_files_written", None)  # stored: the files now belong to their rows
    for callback in callbacks:
        try:
            callback()
        except Exception:  # the changes are stored: the page must not say otherwise
            current_app.logger.exception("work after the commit failed")
    return response


def _deliver_outbox(keys: list[str]) -> None:
    """Deliver the messages this request wrote: in this process, or as a job on Redis. Failures wait for a retry."""
    from ..jobs import enqueue
    from ..mail import deliver_messages

    enqueue(deliver_messages, keys)


def _roll_back() -> None:
    """Forget the request's changes, and delete the files it wrote for them."""
    db.session.rollback()
    for path in g.pop("ddq_files_written", []):
        try:
            path.unlink(missing_ok=True)
        except OSError:  # the request has failed already: say so in the log, not on the page
            current_app.logger.exception("a file of a failed request could not be deleted: %s", path.name)


def _discard(error: BaseException | None) -> None:
    g.pop("ddq_after_commit", None)
    g.pop("ddq_outbox_written", None)
    if error is not None or g.get("ddq_files_written"):  # files left here: the request ended without its commit
        _roll_back()
