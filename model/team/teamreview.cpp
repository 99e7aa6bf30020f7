#include "teamreview.h"

#include "adjudication.h"
#include "dialect.h"
#include "enumnames.h"

#include <QHash>
#include <QSet>
#include <QSqlQuery>
#include <QUuid>

#include <algorithm>
#include <map>

namespace chorus::model {

namespace {

const char* const kOverlap = "team_overlap";
const char* const kOrder = "team_order";
const char* const kBlind = "team_blind";
const char* const kLease = "team_lease_minutes";
const char* const kSeed = "team_seed";
const char* const kAdjudicateConsensus = "team_adjudicate_consensus";

QString iso(const QDateTime& t)
{
    return t.toUTC().toString(Qt::ISODateWithMs);
}

// A stable pseudo-random rank of an item for Order::Random (splitmix64 of id and seed).
quint64 randomRank(qint64 id, quint32 seed)
{
    quint64 z = static_cast<quint64>(id) * 0x9E3779B97F4A7C15ULL + seed + 0x632BE59BD9B4E019ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

constexpr EnumName<TeamSettings::Order> kOrders[] = {{TeamSettings::Order::Uncertainty, "uncertainty"},
                                                     {TeamSettings::Order::Queue, "queue"},
                                                     {TeamSettings::Order::Random, "random"}};
constexpr EnumName<TeamSettings::Blind> kBlindModes[] = {{TeamSettings::Blind::None, "none"},
                                                         {TeamSettings::Blind::Reviewers, "reviewers"},
                                                         {TeamSettings::Blind::All, "all"}};

} // namespace

QString orderName(TeamSettings::Order o)
{
    return nameIn(kOrders, o);
}

QString blindName(TeamSettings::Blind b)
{
    return nameIn(kBlindModes, b);
}

TeamSettings::Order orderFromName(const QString& name)
{
    if (const auto o = valueIn(kOrders, name))
        return *o;
    throw Error(QStringLiteral("unknown order \"%1\" (uncertainty, queue or random)").arg(name));
}

TeamSettings::Blind blindFromName(const QString& name)
{
    if (const auto b = valueIn(kBlindModes, name))
        return *b;
    throw Error(QStringLiteral("unknown blind mode \"%1\" (none, reviewers or all)").arg(name));
}

TeamSettings teamSettings(ProjectStore& store)
{
    TeamSettings s;
    s.overlap = std::max(1, store.metaValue(QLatin1String(kOverlap), QStringLiteral("1")).toInt());
    s.order = orderFromName(store.metaValue(QLatin1String(kOrder), QStringLiteral("uncertainty")));
    s.blind = blindFromName(store.metaValue(QLatin1String(kBlind), QStringLiteral("none")));
    s.leaseMinutes = std::max(1, store.metaValue(QLatin1String(kLease), QStringLiteral("30")).toInt());
    s.seed = store.metaValue(QLatin1String(kSeed), QStringLiteral("0")).toUInt();
    s.adjudicateConsensus = store.metaValue(QLatin1String(kAdjudicateConsensus), QStringLiteral("0")) == QLatin1String("1");
    return s;
}

void setTeamSettings(ProjectStore& store, const TeamSettings& s)
{
    if (s.overlap < 1 || s.overlap > 100)
        throw Error(QStringLiteral("overlap must be between 1 and 100"));
    if (s.leaseMinutes < 1 || s.leaseMinutes > 7 * 24 * 60)
        throw Error(QStringLiteral("the lease must be between 1 minute and 7 days"));
    store.transaction([&] {
        store.setMetaValue(QLatin1String(kOverlap), QString::number(s.overlap));
        store.setMetaValue(QLatin1String(kOrder), orderName(s.order));
        store.setMetaValue(QLatin1String(kBlind), blindName(s.blind));
        store.setMetaValue(QLatin1String(kLease), QString::number(s.leaseMinutes));
        store.setMetaValue(QLatin1String(kSeed), QString::number(s.seed));
        store.setMetaValue(QLatin1String(kAdjudicateConsensus), QLatin1String(s.adjudicateConsensus ? "1" : "0"));
    });
}

namespace {
const char* const kDisplayNamePrefix = "display_name:";
}

void setDisplayName(ProjectStore& store, const QString& login, const QString& name)
{
    if (login.isEmpty())
        throw Error(QStringLiteral("a display name needs a login"));
    if (name.size() > 200 || name.contains(QLatin1Char('\n')))
        throw Error(QStringLiteral("a display name is one line of at most 200 characters"));
    store.setMetaValue(QLatin1String(kDisplayNamePrefix) + login, name.trimmed());
}

QString displayName(ProjectStore& store, const QString& login)
{
    const QString name = store.metaValue(QLatin1String(kDisplayNamePrefix) + login);
    return name.isEmpty() ? login : name;
}

QHash<QString, QString> displayNames(ProjectStore& store)
{
    QHash<QString, QString> out;
    const QString prefix = QLatin1String(kDisplayNamePrefix);
    // meta is a handful of rows: filtered here rather than by a pattern or a collation-dependent range.
    QSqlQuery q = store.exec(QStringLiteral("SELECT key, value FROM meta"));
    while (q.next()) {
        const QString key = q.value(0).toString(), value = q.value(1).toString();
        if (key.startsWith(prefix) && !value.isEmpty())
            out.insert(key.mid(prefix.size()), value);
    }
    return out;
}

QString reviewerName(ProjectStore& store)
{
    if (store.isServer())
        return store.sessionUser();
    return qEnvironmentVariable("USER", QStringLiteral("reviewer"));
}

namespace {

// Inside the caller's transaction: renews `me`'s live claims to `expires` and lists them in
// hand-out order.
QList<Claim> renewLiveClaims(ProjectStore& store, const QString& me, const QString& nowText, const QString& expires)
{
    store.exec(QStringLiteral("UPDATE claims SET expires_at = ? WHERE reviewer = ? AND expires_at > ?"),
               {expires, me, nowText});
    QList<Claim> out;
    QSqlQuery q = store.exec(QStringLiteral("SELECT c.item_id, i.ext_id, c.expires_at FROM claims c JOIN items i "
                                            "ON i.id = c.item_id WHERE c.reviewer = ? AND c.expires_at > ? "
                                            "ORDER BY c.claimed_at, c.item_id"),
                             {me, nowText});
    while (q.next())
        out.append({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString()});
    return out;
}

} // namespace

QList<Claim> renewClaims(ProjectStore& store, int leaseMinutes, const QDateTime& now)
{
    const QString me = reviewerName(store);
    QList<Claim> out;
    store.transaction([&] { out = renewLiveClaims(store, me, iso(now), iso(now.addSecs(qint64(leaseMinutes) * 60))); });
    return out;
}

QList<Claim> claimItems(ProjectStore& store, int n, const QDateTime& now)
{
    if (n < 0)
        throw Error(QStringLiteral("the number of items to claim cannot be negative"));
    const TeamSettings settings = teamSettings(store);
    const QString me = reviewerName(store);
    const QString nowText = iso(now);
    const QString expires = iso(now.addSecs(qint64(settings.leaseMinutes) * 60));
    QList<Claim> out;
    store.transaction([&] {
        for (const QString& sql : store.dialect().serializeWriters())
            store.exec(sql);
        // Live claims of mine are renewed (the reviewer is still at work); what the reviewer
        // holds comes first, then the new items in order.
        out = renewLiveClaims(store, me, nowText, expires);
        const int wanted = std::max(0, n - static_cast<int>(out.size()));
        if (wanted == 0)
            return;
        struct Candidate
        {
            qint64 id;
            QString extId;
            double confidence;  // -1: no run (or no label): first
        };
        std::vector<Candidate> candidates;
        QSqlQuery q = store.exec(
            QStringLiteral(
                "SELECT i.id, i.ext_id, r.confidence FROM items i "
                "LEFT JOIN run_items r ON r.item_id = i.id AND r.run_id = (SELECT MAX(id) FROM runs) "
                "WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.item_id = i.id AND d.author = ?) "
                "AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.item_id = i.id AND c.reviewer = ? AND c.expires_at > ?) "
                "AND (SELECT COUNT(DISTINCT d.author) FROM decisions d WHERE d.item_id = i.id AND d.action <> ?) + "
                "(SELECT COUNT(*) FROM claims c WHERE c.item_id = i.id AND c.reviewer <> ? AND c.expires_at > ?) < ?"),
            {me, me, nowText, QString::fromLatin1(kAdjudicateAction), me, nowText, settings.overlap});
        while (q.next())
            candidates.push_back(
                {q.value(0).toLongLong(), q.value(1).toString(), q.value(2).isNull() ? -1.0 : q.value(2).toDouble()});
        auto better = [&](const Candidate& a, const Candidate& b) {
            switch (settings.order) {
            case TeamSettings::Order::Uncertainty:
                if (a.confidence != b.confidence)
                    return a.confidence < b.confidence;
                return a.id < b.id;
            case TeamSettings::Order::Random: {
                const quint64 ra = randomRank(a.id, settings.seed), rb = randomRank(b.id, settings.seed);
                return ra != rb ? ra < rb : a.id < b.id;
            }
            case TeamSettings::Order::Queue: break;
            }
            return a.id < b.id;
        };
        const size_t take = std::min(candidates.size(), static_cast<size_t>(wanted));
        std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(take), candidates.end(), better);
        // An expired claim of this reviewer on the item is replaced.
        const QString upsert = store.dialect().upsert(QStringLiteral("claims"),
                                                      {QStringLiteral("item_id"), QStringLiteral("reviewer")},
                                                      {QStringLiteral("claimed_at"), QStringLiteral("expires_at")});
        for (size_t k = 0; k < take; ++k) {
            store.exec(upsert, {candidates[k].id, me, nowText, expires});
            out.append({candidates[k].id, candidates[k].extId, expires});
        }
    });
    return out;
}

int releaseClaims(ProjectStore& store, qint64 itemId)
{
    const QString me = reviewerName(store);
    int released = 0;
    store.transaction([&] {
        QSqlQuery q = itemId > 0 ? store.exec(QStringLiteral("DELETE FROM claims WHERE reviewer = ? AND item_id = ?"), {me, itemId})
                                 : store.exec(QStringLiteral("DELETE FROM claims WHERE reviewer = ?"), {me});
        released = q.numRowsAffected();
    });
    return released;
}

DecisionOutcome appendDecisionOnce(ProjectStore& store, Decision d, const std::function<void(DecisionOutcome&)>& alongside)
{
    d.author = reviewerName(store);
    if (d.createdAt.isEmpty())
        d.createdAt = nowIso();
    if (d.uuid.isEmpty())
        d.uuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    DecisionOutcome o;
    store.transaction([&] {
        const QVariant existing = store.scalar(QStringLiteral("SELECT id FROM decisions WHERE uuid = ?"), {d.uuid});
        if (existing.isValid()) {
            o.id = existing.toLongLong();
            o.duplicate = true;
            return;
        }
        if (alongside)
            alongside(o);
        o.id = store.insertReturningId(
            QStringLiteral("INSERT INTO decisions (item_id, action, label_id, status, note, author, created_at, uuid) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
            {d.itemId, d.action, d.labelId > 0 ? QVariant(d.labelId) : QVariant(QMetaType(QMetaType::LongLong)),
             statusName(d.status), d.note.isNull() ? QStringLiteral("") : d.note, d.author, d.createdAt, d.uuid});
    });
    return o;
}

DecisionOutcome decideItem(ProjectStore& store, Decision d, const QString& uuid)
{
    if (!uuid.isEmpty())
        d.uuid = uuid;
    const QString me = reviewerName(store);
    const int overlap = teamSettings(store).overlap;
    return appendDecisionOnce(store, d, [&](DecisionOutcome& o) {
        const bool mine = store.scalar(QStringLiteral("SELECT 1 FROM decisions WHERE item_id = ? AND author = ?"),
                                       {d.itemId, me})
                              .isValid();
        const int others = store.scalar(QStringLiteral("SELECT COUNT(DISTINCT author) FROM decisions WHERE item_id = ? AND "
                                                       "author <> ? AND action <> ?"),
                                        {d.itemId, me, QString::fromLatin1(kAdjudicateAction)})
                               .toInt();
        o.late = !mine && others >= overlap;
        store.exec(QStringLiteral("DELETE FROM claims WHERE item_id = ? AND reviewer = ?"), {d.itemId, me});
    });
}

TeamProgress teamProgress(ProjectStore& store, const QDateTime& now)
{
    const TeamSettings settings = teamSettings(store);
    const QString today = now.toUTC().date().toString(Qt::ISODate);
    TeamProgress p;
    p.items = store.scalar(QStringLiteral("SELECT COUNT(*) FROM items")).toLongLong();
    const ReviewState st = reviewState(store);
    // The consensus labels of the latest saved run, needed only when reviews are checked against it.
    QHash<qint64, qint64> consensus;
    if (settings.adjudicateConsensus && settings.overlap == 1) {
        QSqlQuery q = store.exec(QStringLiteral("SELECT item_id, label_id FROM run_items WHERE run_id = (SELECT MAX(id) FROM runs) "
                                                "AND label_id IS NOT NULL"));
        while (q.next())
            consensus.insert(q.value(0).toLongLong(), q.value(1).toLongLong());
    }
    QHash<QString, ReviewerProgress> per;
    for (const auto& [item, reviews] : st.reviews) {
        if (reviews.size() >= settings.overlap)
            ++p.complete;
        if (!st.adjudicated.count(item) && !adjudicationReason(reviews, settings, consensus.value(item)).isEmpty())
            ++p.inAdjudication;
        for (const ReviewerLabel& r : reviews) {
            ReviewerProgress& rp = per[r.reviewer];
            rp.reviewer = r.reviewer;
            ++rp.decided;
            if (r.firstAt.left(10) == today)
                ++rp.decidedToday;
        }
    }
    p.adjudicated = static_cast<qint64>(st.adjudicated.size());
    p.remaining = p.items - p.complete;
    QSqlQuery c = store.exec(QStringLiteral("SELECT reviewer, COUNT(*) FROM claims WHERE expires_at > ? GROUP BY reviewer"),
                             {iso(now)});
    while (c.next()) {
        ReviewerProgress& rp = per[c.value(0).toString()];
        rp.reviewer = c.value(0).toString();
        rp.claimed = c.value(1).toLongLong();
    }
    for (const ReviewerProgress& rp : per)
        p.reviewers.append(rp);
    std::sort(p.reviewers.begin(), p.reviewers.end(),
              [](const ReviewerProgress& a, const ReviewerProgress& b) { return a.reviewer < b.reviewer; });
    return p;
}

} // namespace chorus::model
