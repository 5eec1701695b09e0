"""Notifications: a personal inbox in the app, and an outbox delivered after commit.

Other domains call ``operations.notify`` inside their own transaction; nothing
leaves the process until that transaction commits and the dispatcher (or the
``flask outbox`` worker) picks the message up.
"""
