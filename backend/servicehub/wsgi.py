"""WSGI entry point: `gunicorn servicehub.wsgi:app`."""

from servicehub import create_app

app = create_app()
