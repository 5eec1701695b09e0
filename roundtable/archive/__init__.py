"""The archive: search of published resolutions and cases, and the 三率 dashboard."""
