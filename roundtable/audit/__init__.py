"""The audit trail: an append-only, hash-chained record of every change (审计留痕).

Entries are written by a session listener in the same transaction as the
change they describe (see ``listener``), so a rolled-back change leaves no
entry and a committed one cannot lack its entry.
"""
