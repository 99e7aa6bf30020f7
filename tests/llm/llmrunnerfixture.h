#pragma once
// The fixture of the LLM runner tests (tst_llmrunner: prompts, answers, storage; tst_llmfailures:
// retries, timeouts, cancel, unreachable endpoints, budgets): a six-item project and a fake
// chat server answering by the item's text, fresh for every test function. A test class derives
// from LlmRunnerFixture; its init() and cleanup() slots make and drop the fixture around each
// test function. The base is moc'd once in the chorus_llmfixtures library (tests/CMakeLists.txt).

#include "fakechatserver.h"
#include "llmfixture.h"

#include "llmrunner.h"
#include "projectstore.h"
#include "scratchdir.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

namespace chorus::test {

// Six items: "good ..." should be positive, "bad ..." negative, the rest the model cannot say.
const char* const kData =
    R"({"label_set": ["positive", "negative", "neutral"], "id": "g1", "text": "good film", "labels": {"h": "positive"}, "meta": {"source": "web"}}
{"id": "b1", "text": "bad film", "labels": {"h": "negative"}, "meta": {"source": "shop"}}
{"id": "g2", "text": "good food", "labels": {"h": "positive"}, "meta": {"source": "web"}}
{"id": "b2", "text": "bad food", "labels": {"h": "neutral"}, "meta": {"source": "web"}}
{"id": "x1", "text": "a chair", "labels": {"h": "neutral"}, "meta": {"source": "web"}}
{"id": "x2", "text": "a table", "labels": {"h": "neutral"}}
)";

inline FakeResponse byText(const FakeRequest& r, int)
{
    const QString q = r.lastUser();
    if (q.contains(QLatin1String("good")))
        return FakeResponse::completion(QStringLiteral("Positive."));
    if (q.contains(QLatin1String("bad")))
        return FakeResponse::completion(QStringLiteral("negative"));
    return FakeResponse::completion(QStringLiteral("I cannot tell."));
}

// Counts Qt's warnings that a reply's error was reported twice, while it is installed.
class DoubleErrorWarnings
{
public:
    DoubleErrorWarnings()
    {
        s_count = 0;
        m_previous = qInstallMessageHandler(&DoubleErrorWarnings::handle);
        s_previous = m_previous;
    }
    ~DoubleErrorWarnings() { qInstallMessageHandler(m_previous); }
    int count() const { return s_count; }

private:
    static void handle(QtMsgType type, const QMessageLogContext& ctx, const QString& msg)
    {
        if (msg.contains(QLatin1String("must only be called once")))
            ++s_count;
        if (s_previous)
            s_previous(type, ctx, msg);
    }
    static inline int s_count = 0;
    static inline QtMessageHandler s_previous = nullptr;
    QtMessageHandler m_previous = nullptr;
};

class LlmRunnerFixture : public QObject
{
    Q_OBJECT

protected:
    using LlmConfig = model::LlmConfig;
    using LlmRunReport = model::LlmRunReport;
    using LlmRunOptions = model::LlmRunOptions;
    using ProjectStore = model::ProjectStore;
    using FakeChatServer = test::FakeChatServer;
    using FakeRequest = test::FakeRequest;
    using FakeResponse = test::FakeResponse;
    using DoubleErrorWarnings = test::DoubleErrorWarnings;

    /// What init() does before each test function: a new project and a new server.
    void setUp()
    {
        renewScratchDir(m_dir);
        m_project = makeProject(*m_dir, kData);
        QVERIFY(!m_project.isEmpty());
        m_server = std::make_unique<FakeChatServer>();
        QVERIFY(m_server->listen());
        m_server->handler = byText;
        m_log.clear();
    }

    void tearDown()
    {
        m_server.reset();
        m_dir.reset();
    }

    LlmConfig config() const
    {
        LlmConfig c;
        c.name = QStringLiteral("tiny-llm");
        c.baseUrl = m_server->baseUrl();
        c.model = QStringLiteral("tiny");
        c.prompt = QStringLiteral("Classify: {text}\nOptions: {labels}\nSource: {meta.source}");
        c.retryBaseMs = 10;
        c.retryMaxMs = 50;
        return c;
    }

    LlmRunReport run(const LlmConfig& c, LlmRunOptions o = {})
    {
        if (!o.log)
            o.log = [this](const QString& line) { m_log << line; };
        return runLlmLabeling(m_project, c, o);
    }

    /// run() on the items with these ids only.
    LlmRunReport runOn(const LlmConfig& c, const QStringList& extIds)
    {
        LlmRunOptions o;
        o.itemIds = itemIds(m_project, extIds);
        return run(c, o);
    }

    /// run() canceled by its caller once `done` items are answered.
    LlmRunReport runCanceledAfter(const LlmConfig& c, int done)
    {
        LlmRunOptions o;
        bool cancel = false;
        o.isCanceled = [&cancel] { return cancel; };
        o.progress = [&cancel, done](const model::LlmProgress& p) { cancel = p.done >= done; };
        return run(c, o);
    }

    int annotatorRows(const QString& name)  // rows in annotators + llm_annotators
    {
        ProjectStore store;
        store.open(m_project);
        return store.scalar(QStringLiteral("SELECT (SELECT COUNT(*) FROM annotators WHERE name = ?) + "
                                           "(SELECT COUNT(*) FROM llm_annotators l JOIN annotators a ON a.id = l.annotator_id "
                                           "WHERE a.name = ?)"),
                            {name, name})
            .toInt();
    }


    QList<QPair<QString, QVariant>> stored(const QString& annotator)  // (item, label or NULL)
    {
        ProjectStore store;
        store.open(m_project);
        QSqlQuery q = store.exec(QStringLiteral("SELECT i.ext_id, l.name FROM annotations a JOIN items i ON i.id = a.item_id "
                                                "JOIN annotators n ON n.id = a.annotator_id LEFT JOIN labels l ON l.id = a.label_id "
                                                "WHERE n.name = ? ORDER BY i.id"),
                                 {annotator});
        QList<QPair<QString, QVariant>> out;
        while (q.next())
            out.append({q.value(0).toString(), q.value(1)});
        return out;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FakeChatServer> m_server;
    QString m_project;
    QStringList m_log;

private slots:
    // QTest runs them around each test function of the derived class.
    void init() { setUp(); }
    void cleanup() { tearDown(); }
};

} // namespace chorus::test
