"""Background jobs: on RQ with Redis when DDQ_REDIS_URL is set, in this process when it is not.

`enqueue(function, *args)` is the one entry point: mail delivery uses it, and so can any other slow work (PDF
rendering, imports). Without Redis the function simply runs now, so `make run` needs nothing else. With Redis it
runs in `ddq worker`, inside an application context of its own; a function must be a module-level function of
ddq, and its arguments plain data (ids, not database objects).

The worker also runs `ddq tick` on a schedule (every DDQ_TICK_MINUTES), enqueued by at most one worker at a time.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context

from .extensions import db

QUEUE = "ddq"
#: A Redis key that lets one worker enqueue the scheduled tick per period.
TICK_KEY = "ddq:tick:scheduled"

_bound: Flask | None = None


def redis_url() -> str:
    return str(current_app.config.get("DDQ_REDIS_URL") or "")


def connection(url: str | None = None):
    from redis import Redis

    return Redis.from_url(url or redis_url())


def queue(url: str | None = None):
    from rq import Queue

    return Queue(QUEUE, connection=connection(url))


def _path(function: Callable[..., Any]) -> str:
    path = f"{function.__module__}:{function.__qualname__}"
    if not path.startswith("ddq.") or "<" in path:
        raise ValueError(f"{path}: only module-level functions of ddq run as jobs")
    return path


def enqueue(function: Callable[..., Any], *args: Any) -> Any:
    """Run `function(*args)` as a background job on Redis, or now when no Redis is configured.

    If Redis is configured but cannot be reached, the work is done now rather than lost (and logged).
    Returns the RQ job, or the function's result when it ran here.
    """
    url = redis_url()
    if not url:
        return function(*args)
    from redis.exceptions import RedisError

    try:
        return queue(url).enqueue(run, _path(function), *args)
    except RedisError as error:
        current_app.logger.warning("Redis unreachable (%s): running %s here", error, function.__qualname__)
        return function(*args)


def bind(app: Flask) -> None:
    """The application jobs run in (set by `ddq worker`; tests bind theirs)."""
    global _bound
    _bound = app


def run(path: str, *args: Any) -> Any:
    """A job, as the worker runs it: the named ddq function in an application context of its own."""
    module, _sep, name = path.partition(":")
    if not module.startswith("ddq.") and module != "ddq":
        raise ValueError(f"{path}: not a ddq function")
    function = getattr(importlib.import_module(module), name)
    app = _bound or (current_app._get_current_object() if has_app_context() else None)
    if app is None:
        from .app import create_app

        app = create_app()
        bind(app)
    with app.app_context():
        # The worker forks for each job: connections inherited from the parent are left to it, never shared.
        db.engine.dispose(close=False)
        try:
            return function(*args)
        finally:
            db.session.remove()


def schedule_tick(url: str, minutes: float, stop: threading.Event) -> None:
    """Enqueue `ddq tick` every `minutes`, by one worker at a time (a Redis key with that lifetime)."""
    redis = connection(url)
    jobs = queue(url)
    while not stop.is_set():
        if redis.set(TICK_KEY, "1", nx=True, ex=max(int(minutes * 60), 1)):
            jobs.enqueue(run, "ddq.tick:tick_job")
        stop.wait(min(60.0, minutes * 60))


def work(app: Flask, *, burst: bool = False, tick_minutes: float = 0) -> None:
    """Run an RQ worker on ddq's queue; with `tick_minutes`, also enqueue the tick on that schedule."""
    from rq import Worker

    url = str(app.config.get("DDQ_REDIS_URL") or "")
    if not url:
        raise RuntimeError("DDQ_REDIS_URL is not set: without Redis, jobs run in the web process and `ddq tick` "
                           "runs from cron")
    bind(app)
    stop = threading.Event()
    if tick_minutes and not burst:
        threading.Thread(target=schedule_tick, args=(url, tick_minutes, stop), daemon=True).start()
    try:
        Worker([queue(url)], connection=connection(url)).work(burst=burst)
    finally:
        stop.set()
