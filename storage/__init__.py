"""Persistence for givefirst: SQLAlchemy repositories, the unit of work and migrations."""

from storage.database import Storage, alembic_config, create_engine, database_url
from storage.unit_of_work import SqlAlchemyUnitOfWork

__all__ = [
    "SqlAlchemyUnitOfWork",
    "Storage",
    "alembic_config",
    "create_engine",
    "database_url",
]
