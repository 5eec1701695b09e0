"""Health of a serving process and of what it depends on: database, message queue, job worker."""
