// Every input the fuzzers (fuzz/, scripts/fuzz.sh) found a problem with is kept in
// tests/data/fuzz/<target>/ and replayed here through the same checks the fuzz target runs
// (fuzz/fuzzchecks.h), in the normal build, so a fixed bug stays fixed. docs/robustness.md
// lists the findings.

#include "../../fuzz/fuzzchecks.h"
#include "labelnormalizer.h"
#include "pairwiseimport.h"
#include "stringrows.h"

#include <QDir>
#include <QtTest>

using namespace chorus;
using namespace chorus::model;

class TestFuzzRegressions : public QObject
{
    Q_OBJECT

private slots:
    void replay_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("file");
        const QDir root(QStringLiteral(CHORUS_TEST_DATA "/fuzz"));
        for (const QString& target : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
            const QDir d(root.filePath(target));
            for (const QString& f : d.entryList(QDir::Files, QDir::Name))
                QTest::newRow(qPrintable(target + QLatin1Char('/') + f)) << target << d.filePath(f);
        }
    }

    void replay()
    {
        QFETCH(QString, target);
        QFETCH(QString, file);
        static const QMap<QString, QString> formats{
            {QStringLiteral("jsonl"), QStringLiteral("jsonl")},
            {QStringLiteral("long_csv"), QStringLiteral("long-csv")},
            {QStringLiteral("wide_csv"), QStringLiteral("wide-csv")},
            {QStringLiteral("chaosnli"), QStringLiteral("chaosnli")},
            {QStringLiteral("labelstudio"), QStringLiteral("labelstudio")},
        };
        if (target == QLatin1String("labelnorm")) {
            QFile f(file);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QString problem = fuzz::checkLabelNormalizer(f.readAll());
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
        } else if (target == QLatin1String("pairwise")) {
            try {
                readPairwiseFile(file);
            } catch (const Error&) {
                // a clear rejection is fine
            }
        } else {
            QVERIFY2(formats.contains(target), qPrintable(QStringLiteral("unknown fuzz target ") + target));
            const QString problem = fuzz::checkImport(formats.value(target), file);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
        }
    }

    // The labelnorm finding spelled out: an output that cleans to the reserved name INVALID
    // ("INVALID!", " INVALID.", "**INVALID**") is Invalid every time; it never becomes a label.
    void reservedNameWithPunctuationIsInvalid_data()
    {
        test::addStringRows("raw", {
            {"exclamation", "\tINVALID!"},
            {"period", " INVALID."},
            {"markdown", "**INVALID**"},
            {"exact", "INVALID"},
        });
    }
    void reservedNameWithPunctuationIsInvalid()
    {
        QFETCH(QString, raw);
        LabelNormalizer n;
        n.setLabels({QStringLiteral("a")});
        QCOMPARE(n.resolve(raw).outcome, LabelNormalizer::Outcome::Invalid);
        QCOMPARE(n.resolve(raw).outcome, LabelNormalizer::Outcome::Invalid);
        QCOMPARE(n.labels(), QStringList{QStringLiteral("a")});
        // Other spellings of the word are ordinary labels in an open set, as before.
        QCOMPARE(n.resolve(QStringLiteral("invalid")).outcome, LabelNormalizer::Outcome::New);
    }
};

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "tst_fuzzregressions.moc"
