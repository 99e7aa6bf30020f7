#pragma once
// The GUI side of projects on a PostgreSQL server (issue #19, docs/server-projects.md): how a
// project location reads in menus and titles, the key its settings are kept under, and the
// password prompt. Passwords live in this process's memory only (model::rememberServerPassword);
// nothing here writes one anywhere.

#include <QString>

#include <functional>

class QWidget;

namespace chorus::model {
struct ProjectLocation;
}

namespace chorus::ui {

/// A location as people read it: a file's name, or "NAME — database on host" for a server
/// project (the database alone when the URI names no project). Unparsable text comes back as is.
QString projectTitle(const QString& location);

/// The key under which per-project settings (column layout, recent projects) are kept: a
/// file's absolute path, or a server project's display URI (never holding a password).
QString projectSettingsKey(const QString& location);

/// The same server and database without a project (what the Open Server Project dialog lists).
QString serverDatabaseUri(const QString& location);

/// Asks for a password: returns false when the user cancels. message says which server wants
/// it and why (the server's words, shown as plain text).
using PasswordPrompt = std::function<bool(QWidget* parent, const QString& message, QString* password)>;
/// Replaces the prompt (tests drive it without a modal dialog); an empty function restores the
/// QInputDialog.
void setPasswordPrompt(PasswordPrompt prompt);

/// After a PasswordNeededError (why: its message) for loc's server: asks for the password and
/// remembers it in memory for loc.serverKey(). Returns false when the user cancelled; then the
/// password that failed, if any, is forgotten too.
bool askServerPassword(QWidget* parent, const model::ProjectLocation& loc, const QString& why);

/// Runs fn; while it throws PasswordNeededError, asks for the password (askServerPassword) and
/// runs it again. Returns false when the user cancelled the prompt. Other errors propagate.
bool withServerPassword(QWidget* parent, const QString& location, const std::function<void()>& fn);

} // namespace chorus::ui
