// The Import and Export dialogs: OK (Import / Export) is enabled only while the file field names
// a file, on both, and the name they give is trimmed; the export's file name follows the chosen
// format (and stays empty when none is named); the export's defaults are written out here.

#include "transferdialogs.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QtTest>

using namespace chorus;

namespace {

QPushButton* okOf(QDialog& d)
{
    auto* box = d.findChild<QDialogButtonBox*>();
    return box ? box->button(QDialogButtonBox::Ok) : nullptr;
}

QLineEdit* fileOf(QDialog& d)
{
    return d.findChild<QLineEdit*>(QStringLiteral("file"));
}

QComboBox* formatOf(QDialog& d)
{
    return d.findChild<QComboBox*>(QStringLiteral("format"));
}

} // namespace

class TestTransferDialogs : public QObject
{
    Q_OBJECT

private slots:
    void okNeedsAFile_data()
    {
        QTest::addColumn<bool>("exporting");
        QTest::newRow("import") << false;
        QTest::newRow("export") << true;
    }

    void okNeedsAFile()
    {
        QFETCH(bool, exporting);
        std::unique_ptr<QDialog> d;
        if (exporting)
            d = std::make_unique<ui::ExportDialog>(QString(), QList<QPair<qint64, QString>>{});
        else
            d = std::make_unique<ui::ImportDialog>(QString());
        QPushButton* ok = okOf(*d);
        QLineEdit* file = fileOf(*d);
        QVERIFY(ok && file);
        QCOMPARE(ok->text(), exporting ? QStringLiteral("Export") : QStringLiteral("Import"));
        QVERIFY(!ok->isEnabled());
        file->setText(QStringLiteral("   "));
        QVERIFY(!ok->isEnabled());
        QTest::keyClicks(file, QStringLiteral("out.jsonl "));
        QVERIFY(ok->isEnabled());
        const QString given = exporting ? static_cast<ui::ExportDialog&>(*d).file()
                                        : static_cast<ui::ImportDialog&>(*d).file();
        QCOMPARE(given, QStringLiteral("out.jsonl"));  // the blanks typed around it are not part of it
        file->clear();
        QVERIFY(!ok->isEnabled());
    }

    // With no file named, choosing a format names none (OK stays off).
    void formatDoesNotNameAFile()
    {
        ui::ExportDialog e(QString(), {});
        QComboBox* format = formatOf(e);
        QVERIFY(format && okOf(e));
        format->setCurrentIndex(1);
        QCOMPARE(e.file(), QString());
        QVERIFY(!okOf(e)->isEnabled());
    }

    void suggestedFileEnablesOk()
    {
        ui::ExportDialog e(QStringLiteral("/tmp/curated.jsonl"), {});
        QVERIFY(okOf(e));
        QVERIFY(okOf(e)->isEnabled());
        ui::ImportDialog i(QStringLiteral("/tmp/answers.csv"));
        QVERIFY(okOf(i));
        QVERIFY(okOf(i)->isEnabled());
        QCOMPARE(i.file(), QStringLiteral("/tmp/answers.csv"));
    }

    // The formats in the order the box lists them: jsonl, csv, long-csv, wide-csv. Each renames
    // curated.jsonl to its extension (.jsonl or .csv); the decision history goes with jsonl and
    // csv only. The defaults: consensus posterior as soft label, flagged items left out, every
    // item whatever its review status.
    void exportFollowsTheFormat_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("file");
        QTest::addColumn<bool>("history");
        QTest::newRow("csv") << 1 << QStringLiteral("csv") << QStringLiteral("/tmp/out.d/curated.csv") << true;
        QTest::newRow("long-csv") << 2 << QStringLiteral("long-csv") << QStringLiteral("/tmp/out.d/curated.csv") << false;
        QTest::newRow("wide-csv") << 3 << QStringLiteral("wide-csv") << QStringLiteral("/tmp/out.d/curated.csv") << false;
    }

    void exportFollowsTheFormat()
    {
        QFETCH(int, index);
        QFETCH(QString, format);
        QFETCH(QString, file);
        QFETCH(bool, history);
        ui::ExportDialog e(QStringLiteral("/tmp/out.d/curated.jsonl"), {});
        QComboBox* box = formatOf(e);
        auto* historyBox = e.findChild<QCheckBox*>(QStringLiteral("history"));
        QVERIFY(box && historyBox);
        QVERIFY(historyBox->isEnabled());
        box->setCurrentIndex(index);
        QCOMPARE(e.file(), file);
        QCOMPARE(e.options().format, format);
        QCOMPARE(historyBox->isEnabled(), history);
        box->setCurrentIndex(0);
        QCOMPARE(e.file(), QStringLiteral("/tmp/out.d/curated.jsonl"));
        QVERIFY(historyBox->isEnabled());
        const model::ExportOptions o = e.options();
        QCOMPARE(o.format, QStringLiteral("jsonl"));
        QCOMPARE(o.soft, QStringLiteral("posterior"));
        QVERIFY(o.excludeFlagged);
        QVERIFY(!o.reviewedOnly);
    }
};

QTEST_MAIN(TestTransferDialogs)
#include "tst_transferdialogs.moc"
