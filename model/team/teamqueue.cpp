#include "teamqueue.h"

#include "teamjobs.h"

#include <QSqlQuery>

#include <algorithm>

namespace chorus::model {

QList<Claim> renewClaims(ProjectStore& store, int leaseMinutes, const QDateTime& now)
{
    const QString me = reviewerName(store);
    const QString nowText = now.toUTC().toString(Qt::ISODateWithMs);
    const QString expires = now.toUTC().addSecs(qint64(leaseMinutes) * 60).toString(Qt::ISODateWithMs);
    QList<Claim> out;
    store.transaction([&] {
        store.exec(QStringLiteral("UPDATE claims SET expires_at = ? WHERE reviewer = ? AND expires_at > ?"),
                   {expires, me, nowText});
        QSqlQuery q = store.exec(QStringLiteral("SELECT c.item_id, i.ext_id, c.expires_at FROM claims c JOIN items i "
                                                "ON i.id = c.item_id WHERE c.reviewer = ? AND c.expires_at > ? "
                                                "ORDER BY c.claimed_at, c.item_id"),
                                 {me, nowText});
        while (q.next())
            out.append({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString()});
    });
    return out;
}

TeamQueue::TeamQueue(QObject* parent) : QObject(parent)
{
    m_renew.setTimerType(Qt::VeryCoarseTimer);
    connect(&m_renew, &QTimer::timeout, this, &TeamQueue::renew);
    connect(&m_refill, &QFutureWatcherBase::finished, this, &TeamQueue::refillFinished);
}

TeamQueue::~TeamQueue()
{
    stop();
}

bool TeamQueue::teamSettingsInForce(ProjectStore& store)
{
    return store.isServer() || !store.metaValue(QStringLiteral("team_overlap")).isEmpty();
}

void TeamQueue::start(ProjectStore* store, QThreadPool* pool)
{
    stop();
    m_store = store;
    m_pool = pool;
    m_leaseMinutes = 30;
    try {
        m_leaseMinutes = teamSettings(*store).leaseMinutes;
    } catch (const Error& e) {
        emit errorOccurred(e.message());
    }
    // A third of the lease: two renewals can fail (a short network outage) before it ends.
    if (!m_customRenew)
        m_renew.setInterval(std::max(1000, m_leaseMinutes * 60 * 1000 / 3));
    m_renew.start();
    refill();
}

int TeamQueue::stop()
{
    if (!m_store)
        return 0;
    m_renew.stop();
    // A refill in flight would claim after the release: let it finish first (its claims are
    // then released with the rest).
    m_refill.waitForFinished();
    m_refilling = false;
    int released = 0;
    try {
        released = releaseClaims(*m_store);
    } catch (const Error& e) {
        // The claims run out with their lease anyway.
        emit errorOccurred(e.message());
    }
    m_store = nullptr;
    m_claims.clear();
    m_shown.clear();
    m_decidedDuringRefill.clear();
    m_refillAgain = false;
    emit changed();
    return released;
}

void TeamQueue::setBatchSize(int n)
{
    m_batch = std::clamp(n, 1, 10000);
}

void TeamQueue::setRenewInterval(int ms)
{
    m_customRenew = true;
    m_renew.setInterval(std::max(1, ms));
}

QDateTime TeamQueue::leaseUntil() const
{
    QDateTime earliest;
    for (const Claim& c : m_claims) {
        const QDateTime t = QDateTime::fromString(c.expiresAt, Qt::ISODateWithMs);
        if (t.isValid() && (!earliest.isValid() || t < earliest))
            earliest = t;
    }
    return earliest;
}

void TeamQueue::setClaims(QList<Claim> claims)
{
    claims.erase(std::remove_if(claims.begin(), claims.end(),
                                [this](const Claim& c) { return m_decidedDuringRefill.contains(c.itemId); }),
                 claims.end());
    m_claims = std::move(claims);
}

void TeamQueue::decided(const QList<qint64>& itemIds)
{
    if (!m_store)
        return;
    const QSet<qint64> done(itemIds.begin(), itemIds.end());
    m_claims.erase(std::remove_if(m_claims.begin(), m_claims.end(), [&](const Claim& c) { return done.contains(c.itemId); }),
                   m_claims.end());
    if (m_refilling) {
        m_decidedDuringRefill.unite(done);
        m_refillAgain = true;  // the refill's answer may already be short of these
    } else if (m_claims.size() <= lowWater()) {
        refill();
    } else {
        renew();
    }
    emit changed();
}

void TeamQueue::renew()
{
    if (!m_store || m_claims.isEmpty() || m_refilling)
        return;  // a refill renews the live claims itself
    try {
        setClaims(renewClaims(*m_store, m_leaseMinutes));
    } catch (const Error& e) {
        emit errorOccurred(e.message());
        return;
    }
    emit changed();
}

void TeamQueue::refill()
{
    if (!m_store)
        return;
    if (m_refilling) {
        m_refillAgain = true;
        return;
    }
    m_refilling = true;
    m_decidedDuringRefill.clear();
    m_refill.setFuture(claimItemsAsync(m_pool, m_store->path(), m_batch));
}

void TeamQueue::refillFinished()
{
    m_refilling = false;
    if (!m_store || m_refill.future().resultCount() == 0)
        return;
    const JobResult<QList<Claim>> r = m_refill.result();
    if (!r.ok()) {
        emit errorOccurred(r.error);
        return;
    }
    setClaims(r.value);
    m_shown.clear();
    for (const Claim& c : std::as_const(m_claims))
        m_shown << c.itemId;
    const bool again = m_refillAgain && m_claims.size() <= lowWater();
    m_refillAgain = false;
    emit changed();
    if (again)
        refill();
}

} // namespace chorus::model
