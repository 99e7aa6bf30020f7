#include "serverprojectdialog.h"

#include "pageparts.h"
#include "projectstore.h"
#include "serverprojects.h"

#include <QCompleter>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace chorus::ui {

ServerListing ServerListing::attempt(const QString& uri, const std::function<void(ServerListing&)>& work)
{
    ServerListing r;
    r.uri = uri;
    try {
        work(r);
    } catch (const model::PasswordNeededError& e) {
        r.error = e.message();
        r.needsPassword = true;
    } catch (const model::Error& e) {
        r.error = e.message();
    }
    return r;
}

namespace {

// Runs on a worker thread: its own connection, nothing shared but the URI string.
ServerListing listOnServer(const QString& uri)
{
    return ServerListing::attempt(uri, [&](ServerListing& r) { r.projects = model::ProjectStore::serverProjects(uri); });
}

// The server databases of the recent projects, newest first, for the URI field's completer.
QStringList recentDatabases()
{
    QStringList out;
    const QStringList recent = QSettings().value(QStringLiteral("project/recent")).toStringList();
    for (const QString& location : recent) {
        const QString db = serverDatabaseUri(location);
        if (!db.isEmpty() && !out.contains(db))
            out << db;
    }
    return out;
}

} // namespace

ServerProjectDialog::ServerProjectDialog(QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Open Server Project"));
    m_uri = new QLineEdit(this);
    m_uri->setObjectName(QStringLiteral("serverUri"));
    m_uri->setPlaceholderText(QStringLiteral("postgresql://user@host:5432/database"));
    m_uri->setClearButtonEnabled(true);
    m_uri->setMinimumWidth(460);
    const QStringList databases = recentDatabases();
    auto* completer = new QCompleter(databases, this);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_uri->setCompleter(completer);
    m_uri->setText(QSettings().value(QStringLiteral("server/lastDatabase"), databases.value(0)).toString());
    m_listButton = new QPushButton(tr("&List Projects"), this);
    m_listButton->setObjectName(QStringLiteral("listProjects"));
    m_listButton->setAutoDefault(false);
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("serverProjects"));
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_status = plainTextLabel(this);  // server messages and URIs, never markup
    m_status->setObjectName(QStringLiteral("serverStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* hint = new QLabel(tr("A password is asked for when the server wants one and kept in memory until Chorus "
                               "quits; PGPASSWORD, ~/.pgpass and service files work as with psql."),
                            this);
    hint->setWordWrap(true);
    hint->setEnabled(false);  // greyed: a note, not an instruction

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Open)->setDefault(true);

    auto* uriRow = new QHBoxLayout;
    uriRow->addWidget(m_uri, 1);
    uriRow->addWidget(m_listButton);
    auto* form = new QFormLayout;
    auto* uriLabel = new QLabel(tr("&Database:"), this);
    uriLabel->setBuddy(m_uri);
    form->addRow(uriLabel, uriRow);
    auto* listLabel = new QLabel(tr("&Projects:"), this);
    listLabel->setBuddy(m_list);
    form->addRow(listLabel, m_list);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form, 1);
    layout->addWidget(m_status);
    layout->addWidget(hint);
    layout->addWidget(m_buttons);

    connect(&m_watcher, &QFutureWatcherBase::finished, this, &ServerProjectDialog::listingFinished);
    connect(m_listButton, &QPushButton::clicked, this, &ServerProjectDialog::listProjects);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ServerProjectDialog::openChosen);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_list, &QListWidget::itemDoubleClicked, this, &ServerProjectDialog::openChosen);
    // A list made for another URI would open a project of the wrong database.
    connect(m_uri, &QLineEdit::textEdited, this, [this] {
        m_list->clear();
        m_status->clear();
    });
}

void ServerProjectDialog::setUri(const QString& uri)
{
    m_uri->setText(uri);
    m_list->clear();
    m_status->clear();
}

QString ServerProjectDialog::uri() const
{
    return m_uri->text().trimmed();
}

void ServerProjectDialog::listProjects()
{
    if (isListing())
        return;
    const QString text = uri();
    m_list->clear();
    if (!model::ProjectLocation::isServerUri(text)) {
        m_status->setText(tr("Enter the URI of a PostgreSQL database, e.g. postgresql://user@host:5432/database"));
        emit listed(false);
        return;
    }
    try {
        model::ProjectLocation::parse(text);
    } catch (const model::Error& e) {
        m_status->setText(e.message());
        emit listed(false);
        return;
    }
    setBusy(true);
    m_listing = true;
    m_status->setText(tr("Connecting to %1…").arg(projectTitle(text)));
    m_watcher.setFuture(QtConcurrent::run(listOnServer, text));
}

void ServerProjectDialog::setBusy(bool busy)
{
    m_listButton->setEnabled(!busy);
    m_buttons->button(QDialogButtonBox::Open)->setEnabled(!busy);
    if (busy)
        setCursor(Qt::BusyCursor);
    else
        unsetCursor();
}

void ServerProjectDialog::listingFinished()
{
    setBusy(false);
    m_listing = false;
    const ServerListing r = m_watcher.result();
    if (r.needsPassword) {
        if (askServerPassword(this, model::ProjectLocation::parse(r.uri), r.error)) {
            listProjects();
            return;
        }
        m_status->setText(tr("Not listed: no password given."));
        emit listed(false);
        return;
    }
    if (!r.error.isEmpty()) {
        m_status->setText(r.error);
        emit listed(false);
        return;
    }
    m_list->addItems(r.projects);
    if (r.projects.isEmpty()) {
        m_status->setText(tr("No Chorus projects in this database yet (chorus-cli push copies a project file there)."));
    } else {
        m_status->setText((r.projects.size() == 1 ? tr("1 project in %1.")
                                                  : tr("%L1 projects in %2.").arg(r.projects.size()))
                              .arg(projectTitle(r.uri)));
        // The project the URI named, if listed, else the first one.
        const QString named = model::ProjectLocation::parse(r.uri).project;
        const auto found = m_list->findItems(named, Qt::MatchExactly);
        m_list->setCurrentItem(found.isEmpty() || named.isEmpty() ? m_list->item(0) : found.first());
        m_list->setFocus();
    }
    emit listed(true);
}

void ServerProjectDialog::openChosen()
{
    if (isListing())
        return;
    const QString text = uri();
    model::ProjectLocation loc;
    try {
        loc = model::ProjectLocation::parse(text);
    } catch (const model::Error& e) {
        m_status->setText(e.message());
        return;
    }
    if (!loc.isServer()) {
        m_status->setText(tr("Enter the URI of a PostgreSQL database, e.g. postgresql://user@host:5432/database"));
        return;
    }
    if (const QListWidgetItem* item = m_list->currentItem())
        loc = loc.withProject(item->text());
    if (loc.project.isEmpty()) {
        // Enter in the URI field: list the projects first, then the user picks one.
        listProjects();
        return;
    }
    m_location = loc.display();
    QSettings().setValue(QStringLiteral("server/lastDatabase"), loc.withProject(QString()).display());
    accept();
}

} // namespace chorus::ui
