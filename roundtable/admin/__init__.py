"""Platform administration: people, memberships, departments."""
