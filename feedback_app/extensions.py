"""Unbound extensions, initialised by the factory."""

from __future__ import annotations

import sqlite3

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


#: Where the factory puts the default rate-limit key function (``security.hashed_client_ip``).
NETWORK_LIMIT_KEY = "suara_warga.network_limit_key"


def _network_limit_key() -> str:
    """The default rate-limit key: the hashed client network, as the function the factory registered computes it.

    Looked up per request, so that this module imports nothing of the application's own: the models import
    ``db`` from here, and ``security`` (which hashes the address with a key kept in the database) imports them.
    """
    return current_app.extensions[NETWORK_LIMIT_KEY]()


# Limits are declared on the routes that need them; nothing is limited by default.
limiter = Limiter(key_func=_network_limit_key)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """Make SQLite enforce foreign keys like PostgreSQL, and let readers and a writer work together."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
