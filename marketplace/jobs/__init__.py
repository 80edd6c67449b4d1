"""Background jobs: one small interface for work that should not hold up a request."""
