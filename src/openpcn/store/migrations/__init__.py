"""Alembic migrations of the app database, applied by `openpcn.store.appdb.migrate`."""
