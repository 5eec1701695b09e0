"""Background jobs: slow work (PDF rendering) run by worker processes, never by the live server."""
