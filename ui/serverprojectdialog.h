#pragma once
// File → Open Server Project…: the URI of a PostgreSQL database, its Chorus projects listed on a
// worker thread, one picked and opened. Keyboard first: Enter in the URI field lists the
// projects, arrows move in the list, Enter opens the one selected.

#include <QDialog>
#include <QFutureWatcher>
#include <QStringList>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

#include <functional>

namespace chorus::ui {

/// What listing a database's projects gave (made on a worker thread).
struct ServerListing
{
    QString uri;  ///< the database URI that was listed
    QStringList projects;
    QString error;
    bool needsPassword = false;

    /// Runs work(listing) for uri on the calling (worker) thread and turns the server's
    /// refusals into error / needsPassword.
    static ServerListing attempt(const QString& uri, const std::function<void(ServerListing&)>& work);
};

class ServerProjectDialog final : public QDialog
{
    Q_OBJECT

public:
    explicit ServerProjectDialog(QWidget* parent = nullptr);

    void setUri(const QString& uri);
    QString uri() const;
    /// Lists the Chorus projects of the database the URI names, on a worker thread; listed()
    /// says when. A server that wants a password is asked for one first (askServerPassword).
    void listProjects();
    /// From listProjects() until its answer is shown (not only while the worker runs: its
    /// result reaches listingFinished() later, through the event loop).
    bool isListing() const { return m_listing; }
    /// The project to open once accepted: the database URI with the chosen project.
    QString location() const { return m_location; }

    QLineEdit* uriEdit() const { return m_uri; }
    QListWidget* projectList() const { return m_list; }
    QLabel* statusLabel() const { return m_status; }

signals:
    /// A listing finished; ok is false when it failed (statusLabel() says why).
    void listed(bool ok);

private:
    void openChosen();
    void listingFinished();
    void setBusy(bool busy);

    QLineEdit* m_uri;
    QPushButton* m_listButton;
    QListWidget* m_list;
    QLabel* m_status;
    QDialogButtonBox* m_buttons;
    QFutureWatcher<ServerListing> m_watcher;
    bool m_listing = false;  ///< isListing()
    QString m_location;
};

} // namespace chorus::ui
