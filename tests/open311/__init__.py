"""The Open311 GeoReport v2 API."""
