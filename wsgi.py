"""Entry point for a WSGI server, e.g. `gunicorn wsgi:app`."""

from ddq import create_app

app = create_app()
