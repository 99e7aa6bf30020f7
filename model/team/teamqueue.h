#pragma once
// "My queue" (team review, docs/team.md): the batch of items a reviewer holds claims on while
// working in the GUI. It claims the first batch, refills when few claims are left, renews the
// lease while the reviewer works (on a timer and on every decision) and gives everything back
// when stopped (project closed, window closed). Lives on the GUI thread next to the GUI's
// ProjectStore; a refill, whose candidate query reads every item, runs on a worker with its
// own connection, while renewing and releasing (a few milliseconds on the reviewer's own
// claims) run on the GUI's connection.

#include "jobresult.h"
#include "teamreview.h"

#include <QFutureWatcher>
#include <QObject>
#include <QSet>
#include <QThreadPool>
#include <QTimer>

namespace chorus::model {

class TeamQueue final : public QObject
{
    Q_OBJECT

public:
    explicit TeamQueue(QObject* parent = nullptr);
    ~TeamQueue() override;

    /// Whether a project has team settings in force: every server project, and a file whose
    /// manager set them (chorus-cli team settings).
    static bool teamSettingsInForce(ProjectStore& store);

    /// Starts the queue on store (which must outlive stop()): claims the first batch on a
    /// worker of pool. Emits changed() when the claims arrive.
    void start(ProjectStore* store, QThreadPool* pool);
    /// Waits for a refill in flight, releases every claim of the reviewer and stops the timer.
    /// Returns the number of claims released. Safe to call when not started.
    int stop();
    bool isActive() const { return m_store != nullptr; }

    /// How many items the reviewer holds at most (default 20, at least 1).
    void setBatchSize(int n);
    int batchSize() const { return m_batch; }
    /// A refill starts when the reviewer holds this many undecided items or fewer.
    int lowWater() const { return m_batch / 4; }
    /// The renewal timer's period; by default a third of the project's lease.
    void setRenewInterval(int ms);
    int renewInterval() const { return m_renew.interval(); }

    /// The live claims, in hand-out order.
    const QList<Claim>& claims() const { return m_claims; }
    /// The items shown in the queue (database ids): the claims plus the items decided since the
    /// last refill, so the reviewer sees (and can undo) what was just done.
    const QList<qint64>& shownItems() const { return m_shown; }
    /// The earliest lease expiry of the live claims (UTC), invalid when there are none.
    QDateTime leaseUntil() const;
    /// A refill was started and its claims are not in claims() yet (the worker may have
    /// finished: its answer is taken on this thread's event loop).
    bool isRefilling() const { return m_refilling; }

    /// The reviewer decided on these items (decideItem ended their claims): they leave the
    /// claims; the lease of the rest is renewed, or a refill starts when few are left.
    void decided(const QList<qint64>& itemIds);
    /// Renews the lease of the reviewer's live claims now (on the GUI's connection).
    void renew();
    /// Claims up to batchSize() items on a worker (renewing the live ones too).
    void refill();

signals:
    /// The claims or their lease changed.
    void changed();
    void errorOccurred(const QString& message);

private:
    void refillFinished();
    void setClaims(QList<Claim> claims);

    ProjectStore* m_store = nullptr;
    QThreadPool* m_pool = nullptr;
    int m_batch = 20;
    int m_leaseMinutes = 30;
    bool m_customRenew = false;
    QList<Claim> m_claims;
    QList<qint64> m_shown;
    QSet<qint64> m_decidedDuringRefill;  ///< decided while a refill ran: not held any more
    bool m_refillAgain = false;
    bool m_refilling = false;
    QTimer m_renew;
    QFutureWatcher<JobResult<QList<Claim>>> m_refill;
};

} // namespace chorus::model
