"""Bringing cases in from CSV and Open311 files."""
