"""Streets, communities (the tenants), departments and organizations, and who belongs where."""
