"""People and how they prove who they are: users, passwords, sessions."""
