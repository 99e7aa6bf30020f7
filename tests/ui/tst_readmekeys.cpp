// Every key of the README's review table ("| key | action |") does what the README says, pressed
// as a reviewer presses it (QTest key clicks on the review table). The README is parsed, so a
// key documented without a check here, or a check for a key the README dropped, fails the test
// (issue #18). Expected effects are the README's words, checked on the project's state.

#include "aggregationpanel.h"
#include "guiprojects.h"
#include "importer.h"
#include "mainwindow.h"
#include "mainwindowfixture.h"
#include "workbench.h"

#include <QApplication>
#include <QFile>
#include <QInputDialog>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <functional>

using namespace chorus;

namespace {

// 10 labels a..j (so that 9 is a label and 0/L are needed); 3 annotators.
//   i1: a a a (unanimous)   i2: a b b (majority b)   i3: c c a (majority c)   i4: j j j (unanimous)
const char* const kData =
    "{\"label_set\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"],\"id\":\"i1\",\"text\":\"one\","
    "\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"a\"}}\n"
    "{\"id\":\"i2\",\"text\":\"two\",\"labels\":{\"m1\":\"a\",\"m2\":\"b\",\"m3\":\"b\"}}\n"
    "{\"id\":\"i3\",\"text\":\"three\",\"labels\":{\"m1\":\"c\",\"m2\":\"c\",\"m3\":\"a\"}}\n"
    "{\"id\":\"i4\",\"text\":\"four\",\"labels\":{\"m1\":\"j\",\"m2\":\"j\",\"m3\":\"j\"}}\n";

// The keys (text in backticks) of the README's key table.
QSet<QString> readmeKeys()
{
    QFile f(QStringLiteral(CHORUS_SOURCE_DIR "/README.md"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QSet<QString> keys;
    bool inTable = false;
    const QRegularExpression tick(QStringLiteral("`([^`]+)`"));
    for (const QByteArray& raw : f.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line == QLatin1String("| key | action |")) {
            inTable = true;
            continue;
        }
        if (!inTable)
            continue;
        if (!line.startsWith(QLatin1Char('|')))
            break;
        for (auto m = tick.globalMatch(line); m.hasNext();)
            keys.insert(m.next().captured(1));
    }
    return keys;
}

} // namespace

class TestReadmeKeys : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        test::useTestSettings();
        m_template = test::projectFromData(m_dir, QStringLiteral("data.jsonl"), kData, QStringLiteral("template.chorus"));
        QVERIFY(!m_template.isEmpty());
    }

    void everyDocumentedKeyHasACheck()
    {
        const QSet<QString> documented = readmeKeys();
        QVERIFY2(documented.size() >= 10, "the README's key table was not found");
        const QSet<QString> checked(m_checks.keyBegin(), m_checks.keyEnd());
        for (const QString& k : documented)
            QVERIFY2(checked.contains(k), qPrintable(QStringLiteral("README key %1 has no check here").arg(k)));
        for (const QString& k : checked)
            QVERIFY2(documented.contains(k), qPrintable(QStringLiteral("key %1 is no longer in the README").arg(k)));
    }

    void keyDoesWhatTheReadmeSays_data()
    {
        QTest::addColumn<QString>("key");
        for (auto it = m_checks.constBegin(); it != m_checks.constEnd(); ++it)
            QTest::newRow(qPrintable(it.key())) << it.key();
    }

    void keyDoesWhatTheReadmeSays()
    {
        QFETCH(QString, key);
        // A fresh copy of the project per key.
        const QString path = m_dir.filePath(QStringLiteral("k%1.chorus").arg(++m_copies));
        QVERIFY(QFile::copy(m_template, path));
        ui::MainWindow w;
        SHOW_PROJECT(w, path);
        QApplication::setActiveWindow(&w);
        w.table()->setFocus();
        m_checks.value(key)(w);
    }

private:
    static void press(ui::MainWindow& w, const QKeySequence& k)
    {
        const QKeyCombination c = k[0];
        QTest::keyClick(w.table(), c.key(), c.keyboardModifiers());
    }
    static const model::Snapshot& snap(ui::MainWindow& w) { return w.workbench()->snapshot(); }
    // Runs `inDialog` on the modal dialog the key opens.
    static void withDialog(QObject* context, const std::function<void(QWidget*)>& inDialog)
    {
        QTimer::singleShot(0, context, [inDialog] {
            QWidget* d = QApplication::activeModalWidget();
            if (!d)
                return;
            QTimer::singleShot(5000, d, [d] { d->close(); });  // fail rather than hang
            inDialog(d);
        });
    }

    QTemporaryDir m_dir;
    QString m_template;
    int m_copies = 0;
    const QMap<QString, std::function<void(ui::MainWindow&)>> m_checks{
        {QStringLiteral("1"),
         [](ui::MainWindow& w) {  // set label 1 and go to the next item
             w.selectItem(1);
             press(w, Qt::Key_1);
             QCOMPARE(snap(w).humanLabel[1], 0);
             QCOMPARE(w.currentItem(), 2);
         }},
        {QStringLiteral("9"),
         [](ui::MainWindow& w) {
             w.selectItem(1);
             press(w, Qt::Key_9);
             QCOMPARE(snap(w).humanLabel[1], 8);  // i
             QCOMPARE(w.currentItem(), 2);
         }},
        {QStringLiteral("0"),
         [this](ui::MainWindow& w) {  // the picker, on the consensus (i2: b); choosing j sets it
             w.selectItem(1);
             QString offered;
             withDialog(this, [&](QWidget* d) {
                 auto* in = qobject_cast<QInputDialog*>(d);
                 if (!in)
                     return;
                 offered = in->textValue();
                 in->setTextValue(QStringLiteral("j"));
                 in->accept();
             });
             press(w, Qt::Key_0);
             QCOMPARE(offered, QStringLiteral("b"));
             QCOMPARE(snap(w).humanLabel[1], 9);
         }},
        {QStringLiteral("L"),
         [this](ui::MainWindow& w) {  // the same picker, opening on the human label once set
             w.selectItem(2);
             QVERIFY(w.workbench()->setHumanLabel({2}, 4));  // e
             w.selectItem(2);
             QString offered;
             withDialog(this, [&](QWidget* d) {
                 if (auto* in = qobject_cast<QInputDialog*>(d)) {
                     offered = in->textValue();
                     in->reject();
                 }
             });
             press(w, Qt::Key_L);
             QCOMPARE(offered, QStringLiteral("e"));
             QCOMPARE(snap(w).humanLabel[2], 4);  // canceled: unchanged
         }},
        {QStringLiteral("Enter"),
         [](ui::MainWindow& w) {  // accept the consensus (i3: c)
             w.selectItem(2);
             press(w, Qt::Key_Return);
             QCOMPARE(snap(w).humanLabel[2], 2);
         }},
        {QStringLiteral("F"),
         [](ui::MainWindow& w) {
             w.selectItem(0);
             press(w, Qt::Key_F);
             QCOMPARE(snap(w).status[0], model::ReviewStatus::Flagged);
             press(w, Qt::Key_F);
             QVERIFY(snap(w).status[0] != model::ReviewStatus::Flagged);
         }},
        {QStringLiteral("N"),
         [this](ui::MainWindow& w) {  // N opens the note editor; Ctrl+Enter saves
             w.selectItem(0);
             withDialog(this, [](QWidget* d) {
                 if (auto* e = d->findChild<QPlainTextEdit*>()) {
                     QTest::keyClicks(e, QStringLiteral("see gold"));
                     QTest::keyClick(e, Qt::Key_Return, Qt::ControlModifier);
                 }
             });
             press(w, Qt::Key_N);
             QCOMPARE(w.workbench()->stateOf(0).note, QStringLiteral("see gold"));
         }},
        {QStringLiteral("Ctrl+Enter"),
         [this](ui::MainWindow& w) {  // saves the note, also with the keypad's Enter
             w.selectItem(3);
             withDialog(this, [](QWidget* d) {
                 if (auto* e = d->findChild<QPlainTextEdit*>()) {
                     QTest::keyClicks(e, QStringLiteral("keypad"));
                     QTest::keyClick(e, Qt::Key_Enter, Qt::ControlModifier | Qt::KeypadModifier);
                 }
             });
             press(w, Qt::Key_N);
             QCOMPARE(w.workbench()->stateOf(3).note, QStringLiteral("keypad"));
         }},
        {QStringLiteral("Esc"),
         [this](ui::MainWindow& w) {  // cancels the note editor: nothing saved
             w.selectItem(0);
             withDialog(this, [](QWidget* d) {
                 if (auto* e = d->findChild<QPlainTextEdit*>()) {
                     QTest::keyClicks(e, QStringLiteral("never saved"));
                     QTest::keyClick(e, Qt::Key_Escape);
                 }
             });
             press(w, Qt::Key_N);
             QCOMPARE(w.workbench()->stateOf(0).note, QString());
         }},
        {QStringLiteral("Delete"),
         [](ui::MainWindow& w) {  // clears the decision
             QVERIFY(w.workbench()->setHumanLabel({1}, 0));
             w.selectItem(1);
             press(w, Qt::Key_Delete);
             QCOMPARE(snap(w).humanLabel[1], -1);
         }},
        {QStringLiteral("Backspace"),
         [](ui::MainWindow& w) {  // undo, selecting the item, saying what was undone
             w.selectItem(1);
             press(w, Qt::Key_1);
             press(w, Qt::Key_Backspace);
             QCOMPARE(snap(w).humanLabel[1], -1);
             QCOMPARE(w.currentItem(), 1);
             QVERIFY(w.statusBar()->currentMessage().startsWith(QLatin1String("Undone")));
         }},
        {QStringLiteral("Ctrl+Z"),
         [](ui::MainWindow& w) {
             w.selectItem(1);
             press(w, Qt::Key_1);
             press(w, QKeySequence(Qt::ControlModifier | Qt::Key_Z));
             QCOMPARE(snap(w).humanLabel[1], -1);
             QCOMPARE(w.currentItem(), 1);
         }},
        {QStringLiteral("Ctrl+Shift+Z"),
         [](ui::MainWindow& w) {  // redo
             w.selectItem(1);
             press(w, Qt::Key_1);
             press(w, Qt::Key_Backspace);
             press(w, QKeySequence(Qt::ControlModifier | Qt::ShiftModifier | Qt::Key_Z));
             QCOMPARE(snap(w).humanLabel[1], 0);
             QVERIFY(w.statusBar()->currentMessage().startsWith(QLatin1String("Redone")));
         }},
        {QStringLiteral("Ctrl+Y"),
         [](ui::MainWindow& w) {
             w.selectItem(1);
             press(w, Qt::Key_1);
             press(w, Qt::Key_Backspace);
             press(w, QKeySequence(Qt::ControlModifier | Qt::Key_Y));
             QCOMPARE(snap(w).humanLabel[1], 0);
         }},
        {QStringLiteral("J"),
         [](ui::MainWindow& w) {  // next item (and the arrow keys)
             w.selectItem(0);
             press(w, Qt::Key_J);
             QCOMPARE(w.currentItem(), 1);
             press(w, Qt::Key_Down);
             QCOMPARE(w.currentItem(), 2);
         }},
        {QStringLiteral("K"),
         [](ui::MainWindow& w) {  // previous item (and the arrow keys)
             w.selectItem(3);
             press(w, Qt::Key_K);
             QCOMPARE(w.currentItem(), 2);
             press(w, Qt::Key_Up);
             QCOMPARE(w.currentItem(), 1);
         }},
        {QStringLiteral("U"),
         [](ui::MainWindow& w) {  // next unreviewed: i2 is decided, so from i1 U goes to i3
             QVERIFY(w.workbench()->setHumanLabel({1}, 1));
             w.selectItem(0);
             press(w, Qt::Key_U);
             QCOMPARE(w.currentItem(), 2);
         }},
        {QStringLiteral("Ctrl+Shift+A"),
         [](ui::MainWindow& w) {  // accept the consensus of unanimous, unreviewed selected items
             w.table()->selectAll();
             press(w, QKeySequence(Qt::ControlModifier | Qt::ShiftModifier | Qt::Key_A));
             QCOMPARE(snap(w).humanLabel[0], 0);   // i1 a a a
             QCOMPARE(snap(w).humanLabel[3], 9);   // i4 j j j
             QCOMPARE(snap(w).humanLabel[1], -1);  // i2 disagrees: left alone
             QCOMPARE(snap(w).humanLabel[2], -1);
         }},
        {QStringLiteral("Ctrl+R"),
         [](ui::MainWindow& w) {  // runs the Aggregation panel's method (ds) and shows it
             QVERIFY(w.workbench()->runs().isEmpty());
             press(w, QKeySequence(Qt::ControlModifier | Qt::Key_R));
             QVERIFY(w.aggregationPanel()->isRunning() || !w.workbench()->runs().isEmpty());
             QTRY_VERIFY_WITH_TIMEOUT(!w.aggregationPanel()->isRunning() && !w.workbench()->runs().isEmpty(), 60000);
         }},
    };
};

QTEST_MAIN(TestReadmeKeys)
#include "tst_readmekeys.moc"
