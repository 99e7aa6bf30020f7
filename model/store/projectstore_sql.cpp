// ProjectStore: statements and transactions (busy retries on SQLite, reconnecting on a server
// whose connection dropped between transactions, errors classified).

#include "projectstore.h"

#include "dialect.h"
#include "serverconnection.h"

#include <QSqlError>
#include <QSqlQuery>

namespace chorus::model {

namespace {

Error busyError(const QString& path)
{
    return Error(QStringLiteral("%1: project is busy (another process is writing it); try again").arg(path));
}

} // namespace

void ProjectStore::begin()
{
    for (int attempt = 0;; ++attempt) {
        QSqlQuery q(m_db);
        if (q.exec(m_dialect->beginTransaction()))
            break;
        const QString text = q.lastError().text();
        if (attempt == 0 && reconnectAfter(text))
            continue;
        if (isServer() && (isConnectionLost(text) || isConnectionBroken(m_db)))
            throw ConnectionLostError(QStringLiteral("%1: the connection to the server was lost: %2")
                                          .arg(m_path, text.section(QLatin1Char('\n'), 0, 0).trimmed()));
        if (m_dialect->isBusyError(text))
            throw busyError(m_path);
        throw Error(QStringLiteral("%1: cannot start a transaction: %2").arg(m_path, text));
    }
    m_inTransaction = true;
}

void ProjectStore::commit()
{
    m_inTransaction = false;
    if (!m_db.commit()) {
        const QString text = m_db.lastError().text();
        if (isServer() && (isConnectionLost(text) || isConnectionBroken(m_db)))
            throwLostInTransaction(text.isEmpty() ? QStringLiteral("connection closed") : text);
        if (m_dialect->isBusyError(text))
            throw busyError(m_path);
        throw Error(QStringLiteral("%1: cannot commit: %2").arg(m_path, text));
    }
}

void ProjectStore::rollback() noexcept
{
    m_inTransaction = false;
    m_db.rollback();
}

bool ProjectStore::reconnectAfter(const QString& errorText)
{
    if (!isServer() || m_inTransaction || !(isConnectionLost(errorText) || isConnectionBroken(m_db)))
        return false;
    const ProjectLocation loc = m_location;
    // Reopen the same connection name: every QSqlQuery made later uses the new session.
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
    try {
        m_db = openServerConnection(loc, m_connectionName);
        setupConnection();
    } catch (const Error& e) {
        throw ConnectionLostError(QStringLiteral("%1: the connection to the server was lost and cannot be made again: %2")
                        .arg(m_path, e.message()));
    }
    ++m_reconnects;
    if (onReconnected)
        onReconnected(QStringLiteral("The connection to the server was lost (%1) and has been made again.")
                          .arg(errorText.trimmed().isEmpty() ? QStringLiteral("connection closed")
                                                             : errorText.section(QLatin1Char('\n'), 0, 0).trimmed()));
    return true;
}

void ProjectStore::throwLostInTransaction(const QString& errorText)
{
    m_inTransaction = false;
    // The next statement reconnects; this change is reported as not known to be saved.
    throw ConnectionLostError(QStringLiteral("%1: the connection to the server was lost (%2); the last change may not have "
                               "been saved; check it and try again")
                    .arg(m_path, errorText.section(QLatin1Char('\n'), 0, 0).trimmed()));
}

void ProjectStore::transaction(const std::function<void()>& fn)
{
    begin();
    try {
        fn();
        commit();
    } catch (...) {
        rollback();
        throw;
    }
}

void ProjectStore::forEachInChunks(const QString& sql, const QVariantList& leading, const QList<qint64>& ids,
                                   const std::function<void(QSqlQuery&)>& row)
{
    constexpr qsizetype kChunk = 500;
    for (qsizetype from = 0; from < ids.size(); from += kChunk) {
        QVariantList params = leading;
        QStringList marks;
        for (qint64 id : ids.mid(from, kChunk)) {
            params << id;
            marks << QStringLiteral("?");
        }
        QSqlQuery q = exec(sql.arg(marks.join(QLatin1Char(','))), params);
        while (q.next())
            row(q);
    }
}

bool execBound(QSqlQuery& q, const QString& sql, const QVariantList& params)
{
    if (params.isEmpty())
        return q.exec(sql);
    if (!q.prepare(sql))
        return false;
    for (const QVariant& p : params)
        q.addBindValue(p);
    return q.exec();
}

QSqlQuery ProjectStore::exec(const QString& sql, const QVariantList& params)
{
    for (int attempt = 0;; ++attempt) {
        QSqlQuery q(m_db);
        if (execBound(q, sql, params))
            return q;
        const QString text = q.lastError().text();
        if (attempt == 0 && reconnectAfter(text))
            continue;
        if (isServer() && m_inTransaction && (isConnectionLost(text) || isConnectionBroken(m_db)))
            throwLostInTransaction(text.isEmpty() ? QStringLiteral("connection closed") : text);
        if (isServer() && (isConnectionLost(text) || isConnectionBroken(m_db)))
            throw ConnectionLostError(QStringLiteral("%1: the connection to the server was lost: %2")
                                          .arg(m_path, text.section(QLatin1Char('\n'), 0, 0).trimmed()));
        if (isServer() && (text.contains(QLatin1String("permission denied")) || text.contains(QLatin1String("row-level security"))
                           || text.contains(QLatin1String("must be owner"))))
            throw PermissionDeniedError(QStringLiteral("%1: the server refused (your role in this project may not do "
                                                       "this): %2")
                                            .arg(m_path, text.section(QLatin1Char('\n'), 0, 0).trimmed()));
        if (m_dialect->isBusyError(text))
            throw busyError(m_path);
        throw Error(QStringLiteral("%1: SQL error: %2").arg(m_path, text));
    }
}

QVariant ProjectStore::scalar(const QString& sql, const QVariantList& params)
{
    QSqlQuery q = exec(sql, params);
    return q.next() ? q.value(0) : QVariant();
}

qint64 ProjectStore::insertReturningId(const QString& insertSql, const QVariantList& params)
{
    QSqlQuery q = exec(insertSql + QStringLiteral(" RETURNING id"), params);
    if (!q.next())
        throw Error(QStringLiteral("%1: SQL error: the insert returned no id").arg(m_path));
    return q.value(0).toLongLong();
}

} // namespace chorus::model
