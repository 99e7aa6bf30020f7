// The review table sorts by precomputed integer keys and searches case-folded copies (issue #17).
// The rows it shows must be those of the code before: a stable sort of the filtered items (in
// item order) by each column's value, text values compared with QString::compare(...,
// Qt::CaseInsensitive), numbers with missing values last; the text filter matching
// QString::contains(needle.trimmed().toLower(), Qt::CaseInsensitive) on text or id. The
// expected rows are computed here from the snapshot and run alone with that definition (not by
// asking the model), on a snapshot full of ties: labels whose names differ only in case, a label
// called like INVALID, texts equal in their first 300 characters, ids like item1/ITEM10,
// accents, sharp s, surrogate pairs, missing labels, INVALID labels, items without labels.

#include "aggregation.h"
#include "itemtablemodel.h"
#include "labelnormalizer.h"
#include "runstore.h"
#include "snapshot.h"

#include <QAbstractItemModelTester>
#include <QRandomGenerator>
#include <QtTest>

#include <cmath>

using namespace chorus;
using namespace chorus::model;

namespace {

constexpr int kItems = 1500;
constexpr int kAnnotators = 6;

QString pick(QRandomGenerator& rng, const QStringList& from)
{
    return from[static_cast<qsizetype>(rng.bounded(static_cast<quint32>(from.size())))];
}

Snapshot makeSnapshot()
{
    QRandomGenerator rng(17);
    Snapshot s;
    s.labels = {QStringLiteral("cat"), QStringLiteral("Cat"), QStringLiteral("dog"), QStringLiteral("invalid"),
                QStringLiteral("\u00e4hm"), QStringLiteral("Zebra"), QStringLiteral("stra\u00dfe")};
    const QString longHead = QString(300, QLatin1Char('x'));
    const QStringList words = {QStringLiteral("Cat"), QStringLiteral("cat"), QStringLiteral("CAF\u00c9"),
                               QStringLiteral("caf\u00e9"), QStringLiteral("Stra\u00dfe"), QStringLiteral("STRASSE"),
                               QStringLiteral("item"), QStringLiteral("\u212Aelvin"), QStringLiteral("kelvin"),
                               QString::fromUcs4(U"\U0001F600"), QString::fromUcs4(U"\U00010400"),
                               QString::fromUcs4(U"\U00010428"), QStringLiteral("a b"), QStringLiteral("")};
    for (int i = 0; i < kItems; ++i) {
        s.itemIds << i + 1;
        s.itemIndexById.insert(i + 1, i);
        const quint32 kind = rng.bounded(10);
        QString id = kind < 3 ? QStringLiteral("item%1").arg(rng.bounded(200))
                              : (kind < 5 ? QStringLiteral("ITEM%1").arg(rng.bounded(200)) : QStringLiteral("x%1").arg(i));
        s.itemExtIds << id + (rng.bounded(4) == 0 ? pick(rng, words) : QString());
        QString text;
        if (kind == 9) {  // equal in the first 300 units (the sorted preview), different after
            text = longHead + pick(rng, words) + QString::number(i);
        } else if (kind == 8) {  // a surrogate pair cut by the preview
            text = QString(299, QLatin1Char('y')) + QString::fromUcs4(U"\U0001F600") + QString::number(i % 5);
        } else {
            const int n = static_cast<int>(rng.bounded(5));
            for (int w = 0; w < n; ++w)
                text += pick(rng, words) + (rng.bounded(2) ? QStringLiteral(" ") : QString());
        }
        s.itemTexts << text;
    }
    for (int a = 0; a < kAnnotators; ++a) {
        s.annotators << QStringLiteral("w%1").arg(a);
        s.annotatorIds << a + 1;
        s.annotatorKinds << AnnotatorKind::Human;
        s.annotatorCosts << std::nan("");
    }
    std::vector<agg::Annotation> anns;
    for (int i = 0; i < kItems; ++i)
        for (int a = 0; a < kAnnotators; ++a) {
            const quint32 r = rng.bounded(12);
            if (r < 3 || i % 97 == 0)
                continue;  // missing; some items have no label at all
            const int32_t label = r == 3 ? agg::kInvalidLabel : static_cast<int32_t>(rng.bounded(s.labels.size()));
            anns.push_back({i, a, label});
        }
    s.matrix = agg::LabelMatrix::build(kItems, kAnnotators, static_cast<int32_t>(s.labels.size()), std::move(anns));
    setIdentityKeys(s);
    for (int i = 0; i < kItems; ++i) {
        s.gold.push_back(rng.bounded(3) == 0 ? static_cast<int32_t>(rng.bounded(s.labels.size())) : -1);
        s.humanLabel.push_back(rng.bounded(4) == 0 ? static_cast<int32_t>(rng.bounded(s.labels.size())) : -1);
        s.status.push_back(static_cast<ReviewStatus>(rng.bounded(3)));
    }
    return s;
}

// The value the table sorted column `col` of item i by, as defined before issue #17.
struct Reference
{
    const Snapshot& s;
    const RunData& run;

    QString name(int32_t l) const
    {
        if (l == agg::kInvalidLabel)
            return kInvalidLabelName;
        return l >= 0 && l < s.numLabels() ? s.labels[l] : QString();
    }
    int distinct(int32_t i) const
    {
        QSet<int32_t> set;
        for (int32_t a = 0; a < s.matrix.numAnnotators(); ++a)
            if (s.matrix.labelOf(i, a) >= 0)
                set.insert(s.matrix.labelOf(i, a));
        return static_cast<int>(set.size());
    }
    double entropy(int32_t i) const
    {
        if (run.labels[i] < 0)
            return std::nan("");
        double h = 0;
        for (int32_t l = 0; l < s.numLabels(); ++l) {
            const double p = run.posterior[static_cast<size_t>(i) * s.numLabels() + l];
            if (p > 0)
                h -= p * std::log(p);
        }
        return h;
    }
    bool numeric(int col) const
    {
        return col == ItemTableModel::ColConfidence || col == ItemTableModel::ColEntropy
            || col == ItemTableModel::ColDistinct;
    }
    double number(int32_t i, int col) const
    {
        switch (col) {
        case ItemTableModel::ColConfidence: return run.confidence[i];
        case ItemTableModel::ColEntropy: return entropy(i);
        default: return distinct(i);
        }
    }
    QString text(int32_t i, int col) const
    {
        switch (col) {
        case ItemTableModel::ColId: return s.itemExtIds[i];
        case ItemTableModel::ColText: return s.itemTexts[i].left(300);
        case ItemTableModel::ColConsensus: return run.labels[i] >= 0 ? name(run.labels[i]) : QString();
        case ItemTableModel::ColMethod: return run.summary.method;
        case ItemTableModel::ColHuman: return s.humanLabel[i] >= 0 ? name(s.humanLabel[i]) : QString();
        case ItemTableModel::ColStatus: return statusName(s.status[i]);
        case ItemTableModel::ColGold: return s.gold[i] >= 0 ? name(s.gold[i]) : QString();
        default: {
            const int32_t l = s.matrix.labelOf(i, col - ItemTableModel::FixedColumnCount);
            return l == -2 ? QString() : name(l);
        }
        }
    }
    void sort(std::vector<int32_t>& rows, int col, bool desc) const
    {
        if (numeric(col)) {
            std::stable_sort(rows.begin(), rows.end(), [&](int32_t a, int32_t b) {
                const double x = number(a, col), y = number(b, col);
                if (std::isnan(x) || std::isnan(y))
                    return !std::isnan(x) && std::isnan(y);
                return desc ? x > y : x < y;
            });
        } else {
            std::stable_sort(rows.begin(), rows.end(), [&](int32_t a, int32_t b) {
                const int c = text(a, col).compare(text(b, col), Qt::CaseInsensitive);
                return desc ? c > 0 : c < 0;
            });
        }
    }
    bool textMatches(int32_t i, const QString& filterText) const
    {
        const QString needle = filterText.trimmed().toLower();
        return needle.isEmpty() || s.itemTexts[i].contains(needle, Qt::CaseInsensitive)
            || s.itemExtIds[i].contains(needle, Qt::CaseInsensitive);
    }
};

std::vector<int32_t> shownRows(const ItemTableModel& m)
{
    std::vector<int32_t> rows;
    for (int r = 0; r < m.rowCount(); ++r)
        rows.push_back(m.itemAt(r));
    return rows;
}

QString describe(const std::vector<int32_t>& got, const std::vector<int32_t>& want)
{
    if (got.size() != want.size())
        return QStringLiteral("%1 rows, expected %2").arg(got.size()).arg(want.size());
    for (size_t r = 0; r < got.size(); ++r)
        if (got[r] != want[r])
            return QStringLiteral("row %1: item %2, expected item %3").arg(r).arg(got[r]).arg(want[r]);
    return {};
}

} // namespace

class TestItemTableSort : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        m_s = makeSnapshot();
        agg::AggregationInput in;
        in.matrix = &m_s.matrix;
        m_run = runFromResult(m_s, QStringLiteral("mv"), agg::majorityVote(in));
        int tied = 0, none = 0;
        for (int32_t i = 0; i < kItems; ++i) {
            tied += !tiedTopLabels(m_s, m_run, i).empty();
            none += m_run.labels[i] < 0;
        }
        QVERIFY(tied > 50);  // the fixture has ties and items without consensus
        QVERIFY(none > 5);
    }

    void sortsAndFiltersMatchTheReference_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("disagreements");
        QTest::addColumn<bool>("tied");
        QTest::newRow("noFilter") << QString() << false << false;
        QTest::newRow("textAscii") << QStringLiteral("cat") << false << false;
        QTest::newRow("textTrimmedUpper") << QStringLiteral("  ITEM1 ") << false << false;
        QTest::newRow("textSharpS") << QStringLiteral("stra\u00dfe") << false << false;
        QTest::newRow("textKelvinSign") << QStringLiteral("\u212A") << false << false;
        QTest::newRow("textAccent") << QStringLiteral("Caf\u00e9 c") << false << false;
        QTest::newRow("textSurrogateNeedle") << QString::fromUcs4(U"\U00010428") << false << false;
        QTest::newRow("textNoMatch") << QStringLiteral("nothing like it") << false << false;
        QTest::newRow("disagreements") << QString() << true << false;
        QTest::newRow("tiedAndText") << QStringLiteral("a") << false << true;
    }

    void sortsAndFiltersMatchTheReference()
    {
        QFETCH(QString, text);
        QFETCH(bool, disagreements);
        QFETCH(bool, tied);
        ItemTableModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setSource(&m_s, &m_run);
        ItemFilter f;
        f.text = text;
        f.disagreementsOnly = disagreements;
        f.tiedOnly = tied;
        m.setFilter(f);
        const Reference ref{m_s, m_run};
        std::vector<int32_t> base;
        for (int32_t i = 0; i < kItems; ++i)
            if (ref.textMatches(i, text) && (!disagreements || ref.distinct(i) >= 2)
                && (!tied || !tiedTopLabels(m_s, m_run, i).empty()))
                base.push_back(i);
        QVERIFY(text == QStringLiteral("nothing like it") || !base.empty());
        QCOMPARE(describe(shownRows(m), base), QString());
        QCOMPARE(m.matchingCount(), static_cast<int>(base.size()));
        for (int col = 0; col < m.columnCount(); ++col)
            for (const bool desc : {false, true}) {
                m.sort(col, desc ? Qt::DescendingOrder : Qt::AscendingOrder);
                std::vector<int32_t> want = base;
                ref.sort(want, col, desc);
                const QString diff = describe(shownRows(m), want);
                if (!diff.isEmpty())
                    QFAIL(qPrintable(QStringLiteral("column %1 %2: %3").arg(col).arg(desc ? "desc" : "asc", diff)));
            }
    }

    // A relabel queue keeps its order until sorted; sorting it is stable from that order.
    void onlyItemsKeepOrderThenSort()
    {
        ItemTableModel m;
        m.setSource(&m_s, &m_run);
        ItemFilter f;
        f.onlyItems = {40, 7, 900, 7, 3, 1200, 41};
        f.keepOrder = true;
        m.setFilter(f);
        QCOMPARE(describe(shownRows(m), {40, 7, 900, 3, 1200, 41}), QString());
        m.sort(ItemTableModel::ColStatus, Qt::AscendingOrder);
        std::vector<int32_t> want{40, 7, 900, 3, 1200, 41};
        Reference{m_s, m_run}.sort(want, ItemTableModel::ColStatus, false);
        QCOMPARE(describe(shownRows(m), want), QString());
    }

    // The derived per-item values the model keeps (its own tie test inlines tiedTopLabels).
    void derivedColumnsMatchTheirDefinitions()
    {
        ItemTableModel m;
        m.setSource(&m_s, &m_run);
        const Reference ref{m_s, m_run};
        for (int32_t i = 0; i < kItems; ++i) {
            QCOMPARE(m.isTied(i), !tiedTopLabels(m_s, m_run, i).empty());
            QCOMPARE(m.distinctOf(i), ref.distinct(i));
            const double h = ref.entropy(i);
            QCOMPARE(std::isnan(m.entropyOf(i)), std::isnan(h));
            if (!std::isnan(h))
                QCOMPARE(m.entropyOf(i), h);
        }
    }

    // At 100,000 items and more the model derives its columns on two threads.
    void derivedColumnsOnALargeSnapshot()
    {
        const int32_t n = 120000;
        Snapshot s;
        s.labels = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
        for (int a = 0; a < 3; ++a)
            s.annotators << QStringLiteral("w%1").arg(a);
        std::vector<agg::Annotation> anns;
        QRandomGenerator rng(5);
        for (int32_t i = 0; i < n; ++i) {
            s.itemExtIds << QString::number(i);
            s.itemTexts << QString();
            for (int32_t a = 0; a < 3; ++a)
                if (rng.bounded(4) != 0)
                    anns.push_back({i, a, rng.bounded(5) == 0 ? agg::kInvalidLabel : static_cast<int32_t>(rng.bounded(3))});
        }
        s.itemIds.resize(n);
        s.matrix = agg::LabelMatrix::build(n, 3, 3, std::move(anns));
        s.gold.assign(n, -1);
        s.humanLabel.assign(n, -1);
        s.status.assign(n, ReviewStatus::Unreviewed);
        agg::AggregationInput in;
        in.matrix = &s.matrix;
        const RunData run = runFromResult(s, QStringLiteral("mv"), agg::majorityVote(in));
        ItemTableModel m;
        m.setSource(&s, &run);
        const Reference ref{s, run};
        int tied = 0;
        for (int32_t i = 0; i < n; ++i) {
            const bool t = !tiedTopLabels(s, run, i).empty();
            tied += t;
            if (m.isTied(i) != t || m.distinctOf(i) != ref.distinct(i))
                QFAIL(qPrintable(QStringLiteral("item %1").arg(i)));
            const double h = ref.entropy(i);
            if (std::isnan(m.entropyOf(i)) != std::isnan(h) || (!std::isnan(h) && m.entropyOf(i) != h))
                QFAIL(qPrintable(QStringLiteral("entropy of item %1").arg(i)));
        }
        QVERIFY(tied > 1000);
        // The first search builds both folded copies at once (two threads at this size).
        ItemFilter f;
        f.text = QStringLiteral("99");
        m.setFilter(f);
        std::vector<int32_t> want;
        for (int32_t i = 0; i < n; ++i)
            if (ref.textMatches(i, f.text))
                want.push_back(i);
        QVERIFY(want.size() > 1000);
        QCOMPARE(describe(shownRows(m), want), QString());
    }

    // A new source drops the caches of the old one (same sizes, other texts).
    void newSourceRebuildsCaches()
    {
        ItemTableModel m;
        m.setSource(&m_s, &m_run);
        m.sort(ItemTableModel::ColText, Qt::AscendingOrder);
        ItemFilter f;
        f.text = QStringLiteral("cat");
        m.setFilter(f);
        Snapshot other = m_s;
        for (qsizetype i = 0; i < other.itemTexts.size(); ++i) {
            other.itemTexts[i] = QStringLiteral("T%1").arg(kItems - i, 5, 10, QLatin1Char('0'));
            other.itemExtIds[i] = QStringLiteral("id%1").arg(i);
        }
        other.itemTexts[5] = QStringLiteral("CAT");
        m.setSource(&other, &m_run);
        QCOMPARE(describe(shownRows(m), {5}), QString());
        m.setFilter({});
        const Reference ref{other, m_run};
        std::vector<int32_t> want(kItems);
        std::iota(want.begin(), want.end(), 0);
        ref.sort(want, ItemTableModel::ColText, false);
        QCOMPARE(describe(shownRows(m), want), QString());
    }

private:
    Snapshot m_s;
    RunData m_run;
};

QTEST_GUILESS_MAIN(TestItemTableSort)
#include "tst_itemtablesort.moc"
