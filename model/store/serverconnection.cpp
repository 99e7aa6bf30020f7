#include "serverconnection.h"

#include "errors.h"
#include "pgcopy.h"

#include <libpq-fe.h>

#include <QSqlError>

namespace chorus::model {

namespace {

// libpq's key='value' form: quotes and backslashes escaped.
QString conninfoValue(const QString& v)
{
    QString e = v;
    e.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    e.replace(QLatin1Char('\''), QLatin1String("\\'"));
    return QLatin1Char('\'') + e + QLatin1Char('\'');
}

QString firstLine(const QString& text)
{
    QString t = text.trimmed();
    // libpq's messages repeat "connection to server ... failed:" before the reason.
    const int fatal = int(t.indexOf(QLatin1String("FATAL:")));
    if (fatal >= 0)
        t = t.mid(fatal + 6).trimmed();
    return t.section(QLatin1Char('\n'), 0, 0).trimmed();
}

} // namespace

bool isConnectionLost(const QString& text)
{
    static const char* const kSigns[] = {
        "server closed the connection", "terminating connection", "no connection to the server",
        "connection not open", "could not receive data", "could not send data", "SSL connection has been closed",
        "Connection refused", "the database system is shutting down", "the database system is starting up",
        "the database system is in recovery mode", "the database system is not yet accepting connections",
    };
    for (const char* s : kSigns)
        if (text.contains(QLatin1String(s), Qt::CaseInsensitive))
            return true;
    return false;
}

bool isConnectionBroken(QSqlDatabase& db)
{
    // Qt's driver closes the connection itself after a FATAL error (the server shut down).
    if (!db.isOpen())
        return true;
    PGconn* conn = postgresHandle(db);
    return conn && PQstatus(conn) == CONNECTION_BAD;
}

QSqlDatabase openServerConnection(const ProjectLocation& loc, const QString& connectionName)
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
        throw Error(QStringLiteral("%1: Qt's PostgreSQL driver is not installed (Debian package libqt6sql6-psql)")
                        .arg(loc.display()));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connectionName);
    if (!loc.host.isEmpty())
        db.setHostName(loc.host);
    if (loc.port > 0)
        db.setPort(loc.port);
    if (!loc.user.isEmpty())
        db.setUserName(loc.user);
    if (!loc.database.isEmpty())
        db.setDatabaseName(loc.database);
    const QString password = rememberedServerPassword(loc.serverKey());
    if (!password.isEmpty())
        db.setPassword(password);
    QStringList opts;
    bool timeout = false, appName = false;
    for (const auto& [k, v] : loc.options) {
        opts << k + QLatin1Char('=') + conninfoValue(v);
        timeout |= k == QLatin1String("connect_timeout");
        appName |= k == QLatin1String("application_name");
    }
    if (!timeout)
        opts << QStringLiteral("connect_timeout=10");  // an unreachable server is an error, not a hang
    if (!appName)
        opts << QStringLiteral("application_name=chorus");
    db.setConnectOptions(opts.join(QLatin1Char(';')));
    if (db.open())
        return db;

    const QString raw = db.lastError().text();
    const QString why = firstLine(raw);
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(connectionName);
    const QString where = loc.display();
    if (raw.contains(QLatin1String("password authentication failed"))
        || raw.contains(QLatin1String("no password supplied"))
        || raw.contains(QLatin1String("password is required")))
        throw PasswordNeededError(QStringLiteral("%1: the server wants a password for user \"%2\" (%3)")
                                      .arg(where, loc.user.isEmpty() ? qEnvironmentVariable("USER") : loc.user, why));
    if (raw.contains(QLatin1String("does not exist")) && raw.contains(QLatin1String("database")))
        throw Error(QStringLiteral("%1: no database \"%2\" on that server (%3)").arg(where, loc.database, why));
    if (raw.contains(QLatin1String("role")) && raw.contains(QLatin1String("does not exist")))
        throw Error(QStringLiteral("%1: the server has no user \"%2\" (%3)").arg(where, loc.user, why));
    if (isConnectionLost(raw) || raw.contains(QLatin1String("could not connect"))
        || raw.contains(QLatin1String("timeout expired")) || raw.contains(QLatin1String("No such file"))
        || raw.contains(QLatin1String("could not translate host name")))
        throw ConnectionLostError(QStringLiteral("%1: cannot reach the server (%2)").arg(where, why));
    throw Error(QStringLiteral("%1: cannot connect: %2").arg(where, why));
}

} // namespace chorus::model
