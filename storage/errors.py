"""The database's troubles in the core's words: :class:`Conflict` for races that a retry
settles, :class:`StorageUnavailable` for a database that cannot be reached right now.

The core never sees a driver's exceptions, so it can tell members to try again (and
the scheduler can back off) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from sqlalchemy import exc

from bot.ports import Conflict, StorageUnavailable

# PostgreSQL error classes meaning "not now": connection exceptions, insufficient
# resources (too many connections), operator intervention (shutting down, starting up,
# a statement cancelled by its timeout).
_UNAVAILABLE_CLASSES = ("08", "53", "57")
# Serialization failures and deadlocks: the transaction lost a race; retrying settles it.
_CONFLICT_CLASS = "40"
# SQLite has no error codes in its messages' place: these mean "busy" or "not there".
_SQLITE_UNAVAILABLE = ("database is locked", "database table is locked", "unable to open")


def translated(error: BaseException) -> Exception | None:
    """The core's exception for ``error``, if it is one the core knows; else None."""
    if isinstance(error, Conflict | StorageUnavailable):
        return None
    if isinstance(error, exc.IntegrityError):
        return Conflict(str(error.orig))
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return StorageUnavailable(str(error))
    if isinstance(error, exc.DBAPIError):
        state = str(getattr(error.orig, "sqlstate", None) or "")
        if error.connection_invalidated:
            return StorageUnavailable(str(error.orig))
        if state.startswith(_CONFLICT_CLASS):
            return Conflict(str(error.orig))
        if isinstance(error, exc.OperationalError | exc.InterfaceError):
            if type(error.orig).__module__.startswith("sqlite3"):
                message = str(error.orig).lower()
                if any(sign in message for sign in _SQLITE_UNAVAILABLE):
                    return StorageUnavailable(str(error.orig))
                return None
            # No SQLSTATE: the driver lost or never got a connection.
            if not state or state.startswith(_UNAVAILABLE_CLASSES):
                return StorageUnavailable(str(error.orig))
        return None
    if isinstance(error, ConnectionError):
        return StorageUnavailable(str(error))
    return None
