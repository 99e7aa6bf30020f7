// The Import and Export dialogs: OK (Import / Export) is enabled only while the file field names
// a file, on both; the export's file name follows the chosen format; the options the dialogs
// give are what their defaults say in the dialogs themselves (written out here).

#include "transferdialogs.h"

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
        QTest::keyClicks(file, QStringLiteral("out.jsonl"));
        QVERIFY(ok->isEnabled());
        file->clear();
        QVERIFY(!ok->isEnabled());
    }

    void suggestedFileEnablesOk()
    {
        ui::ExportDialog e(QStringLiteral("/tmp/curated.jsonl"), {});
        QVERIFY(okOf(e)->isEnabled());
        ui::ImportDialog i(QStringLiteral("/tmp/answers.csv"));
        QVERIFY(okOf(i)->isEnabled());
        QCOMPARE(i.file(), QStringLiteral("/tmp/answers.csv"));
    }

    // Format "csv" (second entry) renames curated.jsonl to curated.csv; back to JSON Lines gives
    // .jsonl again. The defaults: consensus posterior as soft label, flagged items left out, every
    // item whatever its review status.
    void exportFollowsTheFormat()
    {
        ui::ExportDialog e(QStringLiteral("/tmp/out.d/curated.jsonl"), {});
        auto* format = e.findChildren<QComboBox*>().value(0);
        QVERIFY(format);
        format->setCurrentIndex(1);
        QCOMPARE(e.file(), QStringLiteral("/tmp/out.d/curated.csv"));
        QCOMPARE(e.options().format, QStringLiteral("csv"));
        format->setCurrentIndex(0);
        QCOMPARE(e.file(), QStringLiteral("/tmp/out.d/curated.jsonl"));
        const model::ExportOptions o = e.options();
        QCOMPARE(o.soft, QStringLiteral("posterior"));
        QVERIFY(o.excludeFlagged);
        QVERIFY(!o.reviewedOnly);
    }
};

QTEST_MAIN(TestTransferDialogs)
#include "tst_transferdialogs.moc"
