"""Ballots that do not come from the voter's own phone: paper (recorded by the host) and proxy."""
