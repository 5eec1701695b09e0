"""Resolutions (决议): what a meeting agreed, published as an archival PDF/A-3b document."""
