"""Alembic environment: like the real backend's, it requires DATABASE_URL and a DB_ROLE (contract §5)."""

import os

from alembic import context
from sqlalchemy import create_engine

role = os.environ.get("DB_ROLE")
if role not in ("staging", "prod", "replica"):
    raise RuntimeError("DB_ROLE must be one of staging, prod, replica")
if role == "replica":
    raise RuntimeError("migrations are blocked on a replica")
if role == "prod" and os.environ.get("CONFIRM_PROD_MIGRATIONS") != "true":
    raise RuntimeError("prod migrations need CONFIRM_PROD_MIGRATIONS=true")
url = os.environ.get("DATABASE_URL")
if not url:
    raise RuntimeError("DATABASE_URL environment variable is required")

# SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3; this backend uses psycopg2.
engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
