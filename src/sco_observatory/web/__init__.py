"""The read-only web layer: a FastAPI JSON API and a dashboard page over the library."""
