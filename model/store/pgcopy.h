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

/// COPY ... FROM STDIN. Add fields row by row; finish() ends the copy and throws Error with the
/// server's message when it refused a row. Destroying an unfinished copy cancels it (the
/// transaction it ran in then fails, as it should).
class PgCopyIn
{
public:
    /// copySql: "COPY table (columns) FROM STDIN". errorPrefix starts every error message.
    PgCopyIn(QSqlDatabase& db, const QByteArray& copySql, const QString& errorPrefix);
    ~PgCopyIn();
    PgCopyIn(const PgCopyIn&) = delete;
    PgCopyIn& operator=(const PgCopyIn&) = delete;

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

    pg_conn* m_conn;
    QString m_prefix;
    QByteArray m_buf;
    bool m_rowStarted = false;
    bool m_finished = false;
};

/// COPY (query) TO STDOUT, read row by row (the interface of the snapshot loader's row sources).
class PgCopyOut
{
public:
    PgCopyOut(QSqlDatabase& db, const QByteArray& query, const QString& errorPrefix);
    ~PgCopyOut();
    PgCopyOut(const PgCopyOut&) = delete;
    PgCopyOut& operator=(const PgCopyOut&) = delete;

    bool next();
    bool isNull(int c) const;
    qint64 integer(int c) const;
    double real(int c) const;
    QString text(int c) const;
    QByteArray bytes(int c) const;  ///< a bytea column, decoded

private:
    QByteArray unescaped(int c) const;
    [[noreturn]] void fail(const QString& what);

    pg_conn* m_conn;
    QString m_prefix;
    char* m_line = nullptr;
    int m_length = 0;
    std::vector<std::pair<int, int>> m_fields;  // offset, length (-1: NULL)
    bool m_done = false;
};

} // namespace chorus::model
