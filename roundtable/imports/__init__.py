"""Bringing cases in from files: CSV from spreadsheets, Open311 GeoReport v2 JSON and XML."""
