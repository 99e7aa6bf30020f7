#pragma once
// Connections to a PostgreSQL server through Qt's QPSQL driver (libpq underneath): the one
// place that turns a ProjectLocation into connection parameters and libpq's failures into
// messages a user can act on.

#include "location.h"

#include <QSqlDatabase>

namespace chorus::model {

/// Opens a QPSQL connection named connectionName to loc's server and database (the project is
/// not looked at). The password is libpq's (PGPASSWORD, ~/.pgpass, a service file) unless one
/// was typed in this process (rememberedServerPassword). Throws PasswordNeededError when the
/// server wants a (different) password, Error for anything else (unreachable server, missing
/// database, driver not installed), naming loc.display(). On failure the connection name is
/// removed again.
QSqlDatabase openServerConnection(const ProjectLocation& loc, const QString& connectionName);

/// True when a driver error text says the connection to the server is gone (server restarted
/// or stopped, network cut), so that a new connection may succeed.
bool isConnectionLost(const QString& errorText);
/// True when db's connection is broken: closed by the driver after a FATAL error, or bad in
/// libpq's eyes (some failures leave no error text).
bool isConnectionBroken(QSqlDatabase& db);

} // namespace chorus::model
