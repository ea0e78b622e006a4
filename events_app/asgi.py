"""The ASGI entry point for uvicorn: `uvicorn events_app.asgi:app`."""

import gc

from events_app.web.app import create_app

app = create_app()

# The ~120,000 objects made while importing and building the app live as long as the process. Left
# in the collector's care, every full collection walks them all (about 40 ms, felt as the slowest
# requests); frozen, they are skipped. What is garbage already is collected first, not frozen with them.
gc.collect()
gc.freeze()
