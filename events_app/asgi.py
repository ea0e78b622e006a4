"""The ASGI entry point for uvicorn: `uvicorn events_app.asgi:app`."""

from events_app.web.app import create_app

app = create_app()
