"""The database: tables (store), migrations with their Alembic scripts (schema/), tokens (auth).
Imports nothing of ours but errors."""
