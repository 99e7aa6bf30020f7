#include "serverprojects.h"

#include "errors.h"
#include "location.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>

namespace chorus::ui {

namespace {

PasswordPrompt& promptHook()
{
    static PasswordPrompt hook;
    return hook;
}

QString tr(const char* text)
{
    return QCoreApplication::translate("ServerProjects", text);
}

bool dialogPrompt(QWidget* parent, const QString& message, QString* password)
{
    QInputDialog dialog(parent);
    dialog.setWindowTitle(tr("Server Password"));
    dialog.setLabelText(message);
    dialog.setTextEchoMode(QLineEdit::Password);
    dialog.setInputMode(QInputDialog::TextInput);
    // The message quotes the server and the URI: plain text, never markup.
    for (QLabel* label : dialog.findChildren<QLabel*>())
        label->setTextFormat(Qt::PlainText);
    if (dialog.exec() != QDialog::Accepted)
        return false;
    *password = dialog.textValue();
    return true;
}

} // namespace

QString projectTitle(const QString& location)
{
    model::ProjectLocation loc;
    try {
        loc = model::ProjectLocation::parse(location);
    } catch (const model::Error&) {
        return location;
    }
    if (!loc.isServer())
        return QFileInfo(loc.path).fileName();
    // A socket folder says nothing to a reader: the server is on this computer.
    const bool local = loc.host.isEmpty() || loc.host.startsWith(QLatin1Char('/'));
    QString host = local ? tr("this computer") : loc.host;
    if (!local && host.contains(QLatin1Char(':')))
        host = QStringLiteral("[%1]").arg(host);  // an IPv6 address before a port
    if (loc.port > 0 && loc.port != 5432)
        host += local ? tr(" (port %1)").arg(loc.port) : QStringLiteral(":%1").arg(loc.port);
    const QString database = loc.database.isEmpty() ? tr("the default database") : loc.database;
    const QString where = tr("%1 on %2").arg(database, host);
    return loc.project.isEmpty() ? where : QStringLiteral("%1 — %2").arg(loc.project, where);
}

QString projectSettingsKey(const QString& location)
{
    try {
        const model::ProjectLocation loc = model::ProjectLocation::parse(location);
        if (loc.isServer())
            return loc.display();
    } catch (const model::Error&) {
        return location;
    }
    return QFileInfo(location).absoluteFilePath();
}

QString serverDatabaseUri(const QString& location)
{
    try {
        const model::ProjectLocation loc = model::ProjectLocation::parse(location);
        if (loc.isServer())
            return loc.withProject(QString()).display();
    } catch (const model::Error&) {
    }
    return QString();
}

void setPasswordPrompt(PasswordPrompt prompt)
{
    promptHook() = std::move(prompt);
}

bool askServerPassword(QWidget* parent, const model::ProjectLocation& loc, const QString& why)
{
    const QString message = tr("%1\n\nPassword (kept in memory until Chorus quits, never saved):").arg(why);
    QString password;
    const bool ok = promptHook() ? promptHook()(parent, message, &password) : dialogPrompt(parent, message, &password);
    // A cancelled prompt forgets the password that failed; an empty one forgets it as well.
    model::rememberServerPassword(loc.serverKey(), ok ? password : QString());
    return ok && !password.isEmpty();
}

bool withServerPassword(QWidget* parent, const QString& location, const std::function<void()>& fn)
{
    for (;;) {
        try {
            fn();
            return true;
        } catch (const model::PasswordNeededError& e) {
            if (!askServerPassword(parent, model::ProjectLocation::parse(location), e.message()))
                return false;
        }
    }
}

} // namespace chorus::ui
