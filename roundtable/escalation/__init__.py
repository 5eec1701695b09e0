"""Commitment escalation: 提醒 before the deadline, 催办 at it, 督办 to the street after a further period."""
