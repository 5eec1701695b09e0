"""Open311 GeoReport v2: other systems read and file this community's cases."""
