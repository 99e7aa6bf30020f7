#pragma once
// The local decision journal (issue #20, docs/team.md "When the connection drops"): a SQLite
// file on the reviewer's machine holding the decisions a server project has not acknowledged
// yet. A decision is written here first (committed before enqueue returns), then sent with
// decideItem; it leaves the journal only once the server has committed it. When the server
// cannot be reached it stays queued and is resent later by its UUID, which the server stores at
// most once, so a resend after an unknown outcome (the connection died during COMMIT) is safe.
//
// Several processes may use one journal file (SQLite's rollback journal, synchronous=FULL):
// every write is a BEGIN IMMEDIATE transaction, and taking work to send is one, so two
// processes never send the same queued decision at once. A
// process that dies while sending leaves its rows to the next one (its pid is gone, or its hold
// is older than kHoldSeconds).

#include "projectstore.h"
#include "teamreview.h"

#include <QList>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <functional>

namespace chorus::model {

/// The journal's key for a project: the URI without password (ProjectLocation::display), so a
/// login's queue is separate from another login's on the same project.
QString journalProjectKey(const ProjectLocation& loc);

/// One decision waiting for the server. decision.itemId / labelId may be 0 when it was queued
/// before the server could be asked (the CLI offline): they are resolved from itemExtId and
/// labelName when it is sent; an "accept" without a label takes the consensus at that time.
struct JournalEntry
{
    QString uuid;
    QString projectKey;
    Decision decision;  ///< author is ignored: the server's login writes it
    QString itemExtId;
    QString labelName;
    QString queuedAt;   ///< ISO 8601 UTC
    int attempts = 0;   ///< sends that failed
    QString lastError;  ///< the last failure's message (empty when none)
    qint64 heldBy = 0;  ///< pid of the process sending it right now (0: free)
};

/// What the journal knows of one UUID (for the GUI's "queued" mark and for reports).
struct JournalStatus
{
    enum class State { Unknown, Queued, Sent };
    State state = State::Unknown;  ///< Unknown: never queued here (or acknowledged long ago)
    int attempts = 0;
    QString lastError;
    DecisionOutcome outcome;  ///< for Sent: the server's answer
};

class Journal
{
public:
    /// A hold older than this many seconds is taken to be dead whatever the pid says.
    static constexpr int kHoldSeconds = 600;
    /// Acknowledgements are kept this many days (per-UUID status), then forgotten.
    static constexpr int kKeepSentDays = 30;

    /// $CHORUS_JOURNAL, or Chorus/journal.sqlite in the user's configuration folder
    /// (QStandardPaths::GenericConfigLocation: ~/.config/Chorus/ on Linux, beside the GUI's
    /// settings), one file for the GUI and chorus-cli.
    static QString defaultPath();

    /// Opens (creating it and its folder when needed) the journal at path. Throws Error naming
    /// the file when it cannot be created or written, or is not a journal (damaged, or another
    /// kind of file).
    explicit Journal(const QString& path = defaultPath());
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    QString path() const { return m_path; }

    /// Appends a decision (durable when this returns). An entry whose UUID is already queued is
    /// left as it is. hold: this process will send it itself (no other process takes it while
    /// this one lives).
    void enqueue(const JournalEntry& e, bool hold = false);
    /// Several at once, in one durable transaction (all or none).
    void enqueue(const QList<JournalEntry>& entries, bool hold = false);
    /// The queued decisions of a project, oldest first.
    QList<JournalEntry> pending(const QString& projectKey);
    /// How many decisions are queued for a project (every project when projectKey is empty).
    qint64 pendingCount(const QString& projectKey = {});
    JournalStatus status(const QString& uuid);

    /// Takes the project's queued decisions that no live process is sending (and those this
    /// process holds), oldest first, in one BEGIN IMMEDIATE transaction; they are this process's
    /// until markSent, release or discard.
    QList<JournalEntry> take(const QString& projectKey);
    /// The server committed it: removed from the queue, the outcome kept for status().
    void markSent(const QString& uuid, const DecisionOutcome& outcome);
    /// Sending failed: back in the queue with one more attempt and the error.
    void release(const QString& uuid, const QString& error);
    /// Removed without acknowledgement: only for a decision whose failure the user was just told
    /// (the CLI's own decision refused by the server).
    void discard(const QString& uuid);

private:
    QSqlQuery run(const QString& sql, const QVariantList& params = {});
    void write(const std::function<void()>& fn);
    [[noreturn]] void fail(const QString& what, const QString& why) const;

    QString m_path;
    QString m_connectionName;
    QSqlDatabase m_db;
};

/// One queued decision after a flush.
struct FlushResult
{
    enum class Result { Sent, Queued, Failed };
    JournalEntry entry;
    Result result = Result::Queued;
    DecisionOutcome outcome;  ///< for Sent: duplicate (it was there already), late (kept, reported)
    QString error;            ///< for Queued (the connection) and Failed (kept in the journal)
};

struct FlushReport
{
    QList<FlushResult> results;  ///< in the order they were sent
    bool connectionLost = false;
    int sent = 0, duplicate = 0, late = 0, queued = 0, failed = 0;
};

/// Resolves e's item and label on store (from itemExtId / labelName, the consensus for an
/// "accept" without a label). Throws Error naming the item or label when the project has none.
void resolveJournalEntry(ProjectStore& store, JournalEntry& e);

/// Sends every queued decision of store's project (journalProjectKey(store.location())) that no
/// other live process is sending, oldest first, through decideItem. Acknowledged ones leave the
/// journal (a duplicate counts as delivered; whether it was late is read back from the server).
/// On a lost connection the rest stay queued (connectionLost); a decision the server refuses
/// for another reason stays queued with its error (Failed) and the flush goes on.
FlushReport flushJournal(ProjectStore& store, Journal& journal);

} // namespace chorus::model
