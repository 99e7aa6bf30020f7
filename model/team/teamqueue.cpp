#include "teamqueue.h"

#include "teamjobs.h"

#include <QSqlQuery>

#include <algorithm>

namespace chorus::model {

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
