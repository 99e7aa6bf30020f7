#pragma once

#include <QString>

#include <stdexcept>

namespace chorus::model {

/// Error raised by the model layer. what() is UTF-8; message() the QString. For input files the
/// message reads "file:line: problem".
class Error : public std::runtime_error
{
public:
    explicit Error(const QString& message)
        : std::runtime_error(message.toStdString()), m_message(message)
    {
    }
    const QString& message() const { return m_message; }

private:
    QString m_message;
};

/// Thrown when a long operation was cancelled by the user; nothing was written.
class CanceledError : public Error
{
public:
    CanceledError() : Error(QStringLiteral("canceled")) {}
};

/// Thrown when a server refused the connection for want of a (right) password. The GUI asks for
/// one (kept in memory only, see rememberServerPassword) and tries again.
class PasswordNeededError : public Error
{
public:
    using Error::Error;
};

/// Thrown when a server cannot be reached or the connection to it was lost (stopped,
/// restarting, network cut), so that trying again later may succeed. When it comes from a
/// transaction, the change may or may not have been saved: resend it by something the server
/// recognises (a decision's UUID) rather than assume either. The local decision journal
/// (model/team/journal.h) keeps decisions that met this error.
class ConnectionLostError : public Error
{
public:
    using Error::Error;
};

/// Thrown when a server refused a statement for want of permission (the connection's role may
/// not do it, or row-level security refused the row). Nothing was changed.
class PermissionDeniedError : public Error
{
public:
    using Error::Error;
};

} // namespace chorus::model
