"""The PostgreSQL server fixture of the store tests, for the API served from PostgreSQL."""

from tests.store.conftest import postgres_url  # noqa: F401
