"""gunicorn settings for ddq in production: `gunicorn -c gunicorn.conf.py 'ddq:create_app()'`.

Every value can be changed from the environment (DDQ_WORKERS, DDQ_BIND, ...) without editing this file.
"""

import multiprocessing
import os

#: Where the proxy reaches this node.
bind = os.environ.get("DDQ_BIND", "127.0.0.1:8000")
#: One worker per CPU core, plus one: a request's Python runs under its process's lock, so more processes than
#: cores only take turns (`make load` on 2 shared cores: 3 workers x 8 threads, 81 saves/s; 5 x 2, 37 saves/s).
workers = int(os.environ.get("DDQ_WORKERS", multiprocessing.cpu_count() + 1))
#: Threads carry the waits on the database and on uploads; enough of them that the keep-alive connections a worker
#: holds are not kept waiting behind a long staff page or export.
threads = int(os.environ.get("DDQ_THREADS", 8))
worker_class = "gthread"
#: Staff exports stream, and heavy reports run as jobs, so no request should come near this.
timeout = int(os.environ.get("DDQ_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
#: A worker is replaced after this many requests (with jitter), which caps slow memory growth.
#: Each new worker rebuilds its per-version caches, so not too often: under load, 2,000 replaced a worker about
#: every 20 seconds.
max_requests = int(os.environ.get("DDQ_MAX_REQUESTS", 20000))
max_requests_jitter = 2000
#: The app is imported once and the workers are forked from it: faster start, shared memory.
preload_app = True
#: ddq writes its own JSON access line with a request id (ddq.web.health); gunicorn's would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("DDQ_LOG_LEVEL", "info")
#: The proxy in front sets X-Forwarded-For/-Proto; trust it only from the addresses listed.
forwarded_allow_ips = os.environ.get("DDQ_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    """Connections opened before the fork (by preloading) must not be shared between workers."""
    from ddq.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)
