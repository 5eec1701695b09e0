"""Pieces every domain package shares: column types, time, errors, permissions."""
