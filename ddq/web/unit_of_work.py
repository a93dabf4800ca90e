"""One unit of work per request: views and operations only flush, and the request commits once, here.

A response under 400 (a page or a redirect) commits everything the request did; an error response or an exception
rolls all of it back, so a request that fails half-way leaves nothing behind. Messages are written to the outbox in
the same transaction (ddq.mail.queue), so a message exists exactly when its event does; once the commit has
succeeded the outbox is delivered (a background job when DDQ_REDIS_URL is set, see ddq.jobs). Other work that must
wait until the data is stored is queued with `after_commit`: it runs once the commit has succeeded, and never when
the request is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, g

from ..extensions import db


def register(app: Flask) -> None:
    app.after_request(_finish)
    app.teardown_request(_discard)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once this request's changes are committed (not at all if they are rolled back)."""
    g.setdefault("ddq_after_commit", []).append(callback)


def _finish(response: Response) -> Response:
    callbacks = g.pop("ddq_after_commit", [])
    written = g.pop("ddq_outbox_written", [])
    if written:
        callbacks.append(lambda: _deliver_outbox(written))
    if response.status_code >= 400:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise  # the error page says the request was not saved
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


def _discard(error: BaseException | None) -> None:
    g.pop("ddq_after_commit", None)
    g.pop("ddq_outbox_written", None)
    if error is not None:
        db.session.rollback()
