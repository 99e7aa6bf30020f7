#include "pgcopy.h"

#include "errors.h"

#include <QSqlDriver>
#include <QVariant>

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace chorus::model {

namespace {

constexpr qsizetype kSendChunk = 1 << 20;

QString serverMessage(PGconn* conn)
{
    return QString::fromUtf8(PQerrorMessage(conn)).trimmed();
}

// Waits for the end of a COPY and returns the server's error, or an empty string.
QString copyOutcome(PGconn* conn)
{
    QString error;
    while (PGresult* r = PQgetResult(conn)) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && error.isEmpty())
            error = QString::fromUtf8(PQresultErrorMessage(r)).trimmed();
        PQclear(r);
    }
    return error;
}

void appendEscaped(QByteArray& buf, const char* p, qsizetype n)
{
    for (qsizetype k = 0; k < n; ++k) {
        const char c = p[k];
        switch (c) {
        case '\\': buf.append("\\\\", 2); break;
        case '\t': buf.append("\\t", 2); break;
        case '\n': buf.append("\\n", 2); break;
        case '\r': buf.append("\\r", 2); break;
        default: buf.append(c);
        }
    }
}

} // namespace

pg_conn* postgresHandle(QSqlDatabase& db)
{
    if (!db.isOpen() || !db.driver())
        return nullptr;
    const QVariant h = db.driver()->handle();
    // QPSQL hands its connection out as a QVariant holding libpq's PGconn* (struct pg_conn).
    if (!h.isValid() || (qstrcmp(h.typeName(), "pg_conn*") != 0 && qstrcmp(h.typeName(), "PGconn*") != 0))
        return nullptr;
    return *static_cast<PGconn* const*>(h.constData());
}

PgCopy::PgCopy(QSqlDatabase& db, const QString& errorPrefix) : m_conn(postgresHandle(db)), m_prefix(errorPrefix)
{
    if (!m_conn)
        throw Error(m_prefix + QStringLiteral(": not a PostgreSQL connection"));
}

void PgCopy::start(const QByteArray& sql, int expected, const QString& shownSql)
{
    PGresult* r = PQexec(m_conn, sql.constData());
    const bool ok = PQresultStatus(r) == expected;
    const QString why = QString::fromUtf8(PQresultErrorMessage(r)).trimmed();
    PQclear(r);
    if (ok)
        return;
    m_done = true;
    if (shownSql.isEmpty())
        throw Error(QStringLiteral("%1: %2").arg(m_prefix, why));
    throw Error(QStringLiteral("%1: SQL error: %2 [%3]").arg(m_prefix, why, shownSql));
}

void PgCopy::fail(const QString& what)
{
    m_done = true;
    const QString outcome = copyOutcome(m_conn);
    throw Error(QStringLiteral("%1: %2").arg(m_prefix, outcome.isEmpty() ? what : outcome));
}

PgCopyIn::PgCopyIn(QSqlDatabase& db, const QByteArray& copySql, const QString& errorPrefix) : PgCopy(db, errorPrefix)
{
    start(copySql, PGRES_COPY_IN);
    m_buf.reserve(kSendChunk + 4096);
}

PgCopyIn::~PgCopyIn()
{
    if (!m_done) {
        PQputCopyEnd(m_conn, "canceled");
        copyOutcome(m_conn);
    }
}

void PgCopyIn::separator()
{
    if (m_rowStarted)
        m_buf.append('\t');
    m_rowStarted = true;
}

void PgCopyIn::add(qint64 v)
{
    separator();
    char tmp[24];
    const auto res = std::to_chars(tmp, tmp + sizeof tmp, v);
    m_buf.append(tmp, res.ptr - tmp);
}

void PgCopyIn::add(double v)
{
    separator();
    char tmp[40];
    // Shortest text that reads back as the same double.
    const auto res = std::to_chars(tmp, tmp + sizeof tmp, v);
    m_buf.append(tmp, res.ptr - tmp);
}

void PgCopyIn::add(const QString& v)
{
    separator();
    if (v.isNull()) {
        m_buf.append("\\N", 2);
        return;
    }
    const QByteArray u = v.toUtf8();
    appendEscaped(m_buf, u.constData(), u.size());
}

void PgCopyIn::add(const QByteArray& bytes, bool isNull)
{
    separator();
    if (isNull) {
        m_buf.append("\\N", 2);
        return;
    }
    // bytea's hex form "\x..." with its backslash escaped for the text format.
    m_buf.append("\\\\x", 3);
    m_buf.append(bytes.toHex());
}

void PgCopyIn::addNull()
{
    separator();
    m_buf.append("\\N", 2);
}

void PgCopyIn::endRow()
{
    m_buf.append('\n');
    m_rowStarted = false;
    if (m_buf.size() >= kSendChunk)
        send(false);
}

void PgCopyIn::send(bool)
{
    if (m_buf.isEmpty())
        return;
    if (PQputCopyData(m_conn, m_buf.constData(), static_cast<int>(m_buf.size())) != 1)
        fail(serverMessage(m_conn));
    m_buf.clear();
}

void PgCopyIn::finish()
{
    send(true);
    m_done = true;
    if (PQputCopyEnd(m_conn, nullptr) != 1)
        throw Error(QStringLiteral("%1: %2").arg(m_prefix, serverMessage(m_conn)));
    const QString error = copyOutcome(m_conn);
    if (!error.isEmpty())
        throw Error(QStringLiteral("%1: %2").arg(m_prefix, error));
}

void PgCopyIn::fail(const QString& what)
{
    PQputCopyEnd(m_conn, "failed");
    PgCopy::fail(what);
}

PgCopyOut::PgCopyOut(QSqlDatabase& db, const QByteArray& query, const QString& errorPrefix) : PgCopy(db, errorPrefix)
{
    start("COPY (" + query + ") TO STDOUT", PGRES_COPY_OUT, QString::fromUtf8(query));
}

PgCopyOut::~PgCopyOut()
{
    if (m_line)
        PQfreemem(m_line);
    if (!m_done) {
        // Read the rest so that the connection is free for the next command.
        char* buf = nullptr;
        while (PQgetCopyData(m_conn, &buf, 0) > 0)
            PQfreemem(buf);
        copyOutcome(m_conn);
    }
}

bool PgCopyOut::next()
{
    if (m_line) {
        PQfreemem(m_line);
        m_line = nullptr;
    }
    if (m_done)
        return false;
    const int n = PQgetCopyData(m_conn, &m_line, 0);
    if (n == -1) {
        m_done = true;
        const QString error = copyOutcome(m_conn);
        if (!error.isEmpty())
            throw Error(QStringLiteral("%1: %2").arg(m_prefix, error));
        return false;
    }
    if (n < 0)
        fail(serverMessage(m_conn));
    m_length = n > 0 && m_line[n - 1] == '\n' ? n - 1 : n;
    m_fields.clear();
    int start = 0;
    for (int k = 0; k <= m_length; ++k) {
        if (k == m_length || m_line[k] == '\t') {
            const int len = k - start;
            const bool null = len == 2 && m_line[start] == '\\' && m_line[start + 1] == 'N';
            m_fields.emplace_back(start, null ? -1 : len);
            start = k + 1;
        }
    }
    return true;
}

bool PgCopyOut::isNull(int c) const
{
    return m_fields[static_cast<size_t>(c)].second < 0;
}

qint64 PgCopyOut::integer(int c) const
{
    const auto [off, len] = m_fields[static_cast<size_t>(c)];
    qint64 v = 0;
    if (len > 0)
        std::from_chars(m_line + off, m_line + off + len, v);
    return v;
}

double PgCopyOut::real(int c) const
{
    const auto [off, len] = m_fields[static_cast<size_t>(c)];
    if (len <= 0)
        return 0.0;
    char tmp[64];
    const int n = std::min<int>(len, int(sizeof tmp) - 1);
    std::memcpy(tmp, m_line + off, static_cast<size_t>(n));
    tmp[n] = '\0';
    return std::strtod(tmp, nullptr);
}

QByteArray PgCopyOut::unescaped(int c) const
{
    const auto [off, len] = m_fields[static_cast<size_t>(c)];
    QByteArray out;
    if (len <= 0)
        return out;
    const char* p = m_line + off;
    if (!std::memchr(p, '\\', static_cast<size_t>(len)))
        return QByteArray(p, len);
    out.reserve(len);
    for (int k = 0; k < len; ++k) {
        if (p[k] != '\\' || k + 1 == len) {
            out.append(p[k]);
            continue;
        }
        const char e = p[++k];
        switch (e) {
        case 'n': out.append('\n'); break;
        case 't': out.append('\t'); break;
        case 'r': out.append('\r'); break;
        case 'b': out.append('\b'); break;
        case 'f': out.append('\f'); break;
        case 'v': out.append('\v'); break;
        default:
            if (e >= '0' && e <= '7') {  // octal, up to three digits
                int v = e - '0';
                for (int d = 0; d < 2 && k + 1 < len && p[k + 1] >= '0' && p[k + 1] <= '7'; ++d)
                    v = v * 8 + (p[++k] - '0');
                out.append(static_cast<char>(v));
            } else {
                out.append(e);  // "\\" and any other escaped character stand for themselves
            }
        }
    }
    return out;
}

QString PgCopyOut::text(int c) const
{
    if (isNull(c))
        return QString();
    const QByteArray u = unescaped(c);
    return u.isEmpty() ? QStringLiteral("") : QString::fromUtf8(u);
}

QByteArray PgCopyOut::bytes(int c) const
{
    if (isNull(c))
        return {};
    // bytea's text form: hex ("\x0a1b...") or, as Qt's driver sets bytea_output for its
    // sessions, the escape form ("\012\\..."); libpq decodes both.
    const QByteArray text = unescaped(c);
    size_t n = 0;
    unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text.constData()), &n);
    if (!raw)
        throw Error(m_prefix + QStringLiteral(": cannot decode a bytea value"));
    const QByteArray out(reinterpret_cast<const char*>(raw), static_cast<qsizetype>(n));
    PQfreemem(raw);
    return out;
}

} // namespace chorus::model
