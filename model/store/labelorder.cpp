#include "labelorder.h"

#include "projectstore.h"

#include <QSqlQuery>

#include <algorithm>
#include <vector>

namespace chorus::model {

namespace {

bool isDigit(QChar c)
{
    return c.unicode() >= '0' && c.unicode() <= '9';
}

} // namespace

bool naturalLess(const QString& a, const QString& b)
{
    const qsizetype na = a.size(), nb = b.size();
    qsizetype i = 0, j = 0;
    int zerosTie = 0;  // leading zeros decide only when everything else is equal
    while (i < na && j < nb) {
        if (isDigit(a[i]) && isDigit(b[j])) {
            qsizetype si = i, sj = j;
            while (si < na && a[si] == QLatin1Char('0'))
                ++si;
            while (sj < nb && b[sj] == QLatin1Char('0'))
                ++sj;
            qsizetype ei = si, ej = sj;
            while (ei < na && isDigit(a[ei]))
                ++ei;
            while (ej < nb && isDigit(b[ej]))
                ++ej;
            const qsizetype la = ei - si, lb = ej - sj;
            if (la != lb)
                return la < lb;
            for (qsizetype k = 0; k < la; ++k)
                if (a[si + k] != b[sj + k])
                    return a[si + k] < b[sj + k];
            if (zerosTie == 0 && (si - i) != (sj - j))
                zerosTie = (si - i) < (sj - j) ? -1 : 1;
            i = ei;
            j = ej;
            continue;
        }
        if (a[i] != b[j])
            return a[i].unicode() < b[j].unicode();
        ++i;
        ++j;
    }
    if ((na - i) != (nb - j))
        return (na - i) < (nb - j);
    if (zerosTie != 0)
        return zerosTie < 0;
    return false;
}

QStringList naturallySorted(QStringList names)
{
    std::stable_sort(names.begin(), names.end(), naturalLess);
    return names;
}

void declareLabelOrder(ProjectStore& store, const QStringList& declared)
{
    struct Label
    {
        qint64 id;
        qint64 rank;  // declared index, or declared.size() + old position
        qint64 position;
    };
    std::vector<Label> labels;
    QSqlQuery q = store.exec(QStringLiteral("SELECT id, name, position FROM labels"));
    while (q.next()) {
        const qsizetype d = declared.indexOf(q.value(1).toString());
        const qint64 pos = q.value(2).toLongLong();
        labels.push_back({q.value(0).toLongLong(), d >= 0 ? d : declared.size() + pos, pos});
    }
    q.finish();
    std::sort(labels.begin(), labels.end(), [](const Label& x, const Label& y) {
        return x.rank != y.rank ? x.rank < y.rank : x.id < y.id;
    });
    for (qsizetype k = 0; k < static_cast<qsizetype>(labels.size()); ++k)
        if (labels[k].position != k)
            store.exec(QStringLiteral("UPDATE labels SET position = ? WHERE id = ?"), {k, labels[k].id});
}

void canonicalizeLabelOrder(ProjectStore& store)
{
    if (store.labelSetClosed())
        return;
    struct Label
    {
        qint64 id;
        QString name;
        qint64 position;
    };
    std::vector<Label> labels;
    QSqlQuery q = store.exec(QStringLiteral("SELECT id, name, position FROM labels"));
    while (q.next())
        labels.push_back({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toLongLong()});
    q.finish();
    std::sort(labels.begin(), labels.end(), [](const Label& x, const Label& y) { return naturalLess(x.name, y.name); });
    for (qsizetype k = 0; k < static_cast<qsizetype>(labels.size()); ++k)
        if (labels[k].position != k)
            store.exec(QStringLiteral("UPDATE labels SET position = ? WHERE id = ?"), {k, labels[k].id});
}

} // namespace chorus::model
