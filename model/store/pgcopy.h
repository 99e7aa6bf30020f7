#pragma once
// PostgreSQL's COPY through libpq, on the connection under a QPSQL QSqlDatabase: the bulk paths
// of server projects (import, push, reading a project back). Text format; every value is
// escaped here, so nothing a dataset holds can end a field or a row early.

#include <QByteArray>
#include <QSqlDatabase>
#include <QString>

#include <vector>

struct pg_conn;

namespace chorus::model {

/// libpq's connection under a QPSQL connection, or nullptr for any other driver.
pg_conn* postgresHandle(QSqlDatabase& db);

/// What both directions of COPY have: the connection, the prefix of every error message, and
/// start(), which sends the statement that begins the copy.
class PgCopy
{
public:
    PgCopy(const PgCopy&) = delete;
    PgCopy& operator=(const PgCopy&) = delete;

protected:
    /// Throws Error when db is not a PostgreSQL connection.
    PgCopy(QSqlDatabase& db, const QString& errorPrefix);
    ~PgCopy() = default;
    /// Sends sql; throws Error ("prefix: message", or with shownSql "prefix: SQL error: message
    /// [shownSql]") unless the server answers with status `expected` (an ExecStatusType).
    void start(const QByteArray& sql, int expected, const QString& shownSql = {});
    /// Ends the copy as failed: the server's own error if it gave one, else `what`.
    [[noreturn]] void fail(const QString& what);

    pg_conn* m_conn;
    QString m_prefix;
    bool m_done = false;  ///< finished, failed or never started: nothing to cancel or drain
};

/// COPY ... FROM STDIN. Add fields row by row; finish() ends the copy and throws Error with the
/// server's message when it refused a row. Destroying an unfinished copy cancels it (the
/// transaction it ran in then fails, as it should).
class PgCopyIn : private PgCopy
{
public:
    /// copySql: "COPY table (columns) FROM STDIN". errorPrefix starts every error message.
    PgCopyIn(QSqlDatabase& db, const QByteArray& copySql, const QString& errorPrefix);
    ~PgCopyIn();

    void add(qint64 v);
    void add(double v);
    void add(const QString& v);  ///< a null QString is NULL; the empty string is text
    void add(const QByteArray& bytes, bool isNull);  ///< bytea
    void addNull();
    void endRow();
    void finish();

private:
    void separator();
    void send(bool force);
    [[noreturn]] void fail(const QString& what);

    QByteArray m_buf;
    bool m_rowStarted = false;
};

/// COPY (query) TO STDOUT, read row by row (the interface of the snapshot loader's row sources).
class PgCopyOut : private PgCopy
{
public:
    PgCopyOut(QSqlDatabase& db, const QByteArray& query, const QString& errorPrefix);
    ~PgCopyOut();

    bool next();
    bool isNull(int c) const;
    qint64 integer(int c) const;
    double real(int c) const;
    QString text(int c) const;
    QByteArray bytes(int c) const;  ///< a bytea column, decoded

private:
    QByteArray unescaped(int c) const;

    char* m_line = nullptr;
    int m_length = 0;
    std::vector<std::pair<int, int>> m_fields;  // offset, length (-1: NULL)
};

} // namespace chorus::model
