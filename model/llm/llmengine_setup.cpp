// LLM engine, setup: the project's labels, the items to ask, the few-shot examples, the prepared statements.

#include "llmengine.h"

namespace chorus::model::llm {

void Engine::load()
{
    QSqlQuery q = m_store.exec(QStringLiteral("SELECT id, name FROM labels ORDER BY position, id"));
    while (q.next()) {
        m_labelIds << q.value(0).toLongLong();
        m_labels << q.value(1).toString();
    }
    if (m_labels.isEmpty())
        throw Error(QStringLiteral("%1: the project has no labels yet; import data (or a label set) first")
                        .arg(m_store.path()));

    // The annotator and its configuration are written with the first stored answer
    // (handleAnswer), so that a run which stores nothing leaves no empty annotator behind.
    qint64 importedAnswers = 0;
    switch (llmNameUse(m_store, m_config.name, &importedAnswers)) {
    case LlmNameUse::Free:
        break;
    case LlmNameUse::Imported:
        if (!m_options.appendToExisting)
            throw Error(QStringLiteral("\"%1\" is the name of an imported annotator (%2 answers), not of one this "
                                       "connector created: the LLM's answers would be mixed with its answers and "
                                       "its answers would get this configuration as provenance. Choose another "
                                       "\"name\", or add to that annotator on purpose (chorus-cli label "
                                       "--append-to-existing; the dialog asks)")
                            .arg(m_config.name)
                            .arg(importedAnswers));
        m_annotatorId = m_store.scalar(QStringLiteral("SELECT id FROM annotators WHERE name = ?"), {m_config.name})
                            .toLongLong();
        break;
    case LlmNameUse::Connector:
        m_annotatorId = m_store.scalar(QStringLiteral("SELECT id FROM annotators WHERE name = ?"), {m_config.name})
                            .toLongLong();
        if (m_store.scalar(QStringLiteral("SELECT (SELECT COUNT(*) FROM annotations WHERE annotator_id = ?) + "
                                          "(SELECT COUNT(*) FROM llm_answers WHERE annotator_id = ?)"),
                           {m_annotatorId, m_annotatorId})
                .toLongLong()
            == 0) {
            // An empty LLM annotator left by a failed run of an earlier version: drop it
            // (its configuration goes with it) and create it again with the first answer.
            m_store.transaction([&] {
                m_store.exec(QStringLiteral("DELETE FROM annotators WHERE id = ?"), {m_annotatorId});
            });
            m_annotatorId = 0;
        }
        break;
    }

    // Items, in id order.
    auto readItem = [this](QSqlQuery& r) {
        LlmItem it;
        it.id = r.value(1).toString();
        it.text = r.value(2).toString();
        const QJsonDocument meta = QJsonDocument::fromJson(r.value(3).toString().toUtf8());
        if (meta.isObject())
            it.meta = meta.object();
        m_itemIds.push_back(r.value(0).toLongLong());
        m_items.push_back(std::move(it));
    };
    if (m_options.itemIds.empty()) {
        QSqlQuery r = m_store.exec(QStringLiteral("SELECT id, ext_id, text, meta FROM items ORDER BY id"));
        while (r.next())
            readItem(r);
    } else {
        QSqlQuery r(m_store.db());
        r.prepare(QStringLiteral("SELECT id, ext_id, text, meta FROM items WHERE id = ?"));
        QSet<qint64> seen;
        for (qint64 id : m_options.itemIds) {
            if (seen.contains(id))
                continue;
            seen.insert(id);
            r.bindValue(0, id);
            if (r.exec() && r.next())
                readItem(r);
        }
    }

    QSet<qint64> primaryDone, reversedDone;
    q = m_store.exec(QStringLiteral("SELECT item_id FROM annotations WHERE annotator_id = ?"), {m_annotatorId});
    while (q.next())
        primaryDone.insert(q.value(0).toLongLong());
    q = m_store.exec(QStringLiteral("SELECT item_id FROM llm_answers WHERE annotator_id = ? AND variant = ?"),
                     {m_annotatorId, kReversed});
    while (q.next())
        reversedDone.insert(q.value(0).toLongLong());
    for (int i = 0; i < static_cast<int>(m_items.size()); ++i) {
        const qint64 id = m_itemIds[static_cast<size_t>(i)];
        if (primaryDone.contains(id))
            ++m_report.skipped;
        else
            m_queue.push_back(Task{i, false});
        if (m_config.orderCheck) {
            if (reversedDone.contains(id))
                ++m_report.skipped;
            else
                m_queue.push_back(Task{i, true});
        }
    }
    loadExamples();

    m_insAnswer = QSqlQuery(m_store.db());
    m_insAnswer.prepare(QStringLiteral(
        "INSERT INTO llm_answers (annotator_id, item_id, variant, label_id, raw, logprobs, prompt_tokens, "
        "completion_tokens, usage_estimated, cost, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (annotator_id, item_id, variant) DO NOTHING"));
    m_insAnnotation = QSqlQuery(m_store.db());
    m_insAnnotation.prepare(QStringLiteral(
        "INSERT INTO annotations (item_id, annotator_id, label_id, raw, probs) VALUES (?,?,?,?,?) "
        "ON CONFLICT (item_id, annotator_id) DO NOTHING"));
}

// Worked examples: reviewed items with a human label, taken in turn from each label (in
// label order, oldest item first) so that the examples cover the label set.
void Engine::loadExamples()
{
    if (m_config.fewShot <= 0)
        return;
    QSqlQuery q = m_store.exec(QStringLiteral(
        "SELECT d.item_id, d.label_id, i.ext_id, i.text, i.meta FROM decisions d "
        "JOIN (SELECT item_id, MAX(id) AS last FROM decisions GROUP BY item_id) x ON d.id = x.last "
        "JOIN items i ON i.id = d.item_id WHERE d.label_id IS NOT NULL ORDER BY d.item_id"));
    QVector<QVector<Example>> byLabel(m_labels.size());
    while (q.next()) {
        const int li = static_cast<int>(m_labelIds.indexOf(q.value(1).toLongLong()));
        if (li < 0)
            continue;
        Example e;
        e.itemId = q.value(0).toLongLong();
        e.label = li;
        e.item.id = q.value(2).toString();
        e.item.text = q.value(3).toString();
        const QJsonDocument meta = QJsonDocument::fromJson(q.value(4).toString().toUtf8());
        if (meta.isObject())
            e.item.meta = meta.object();
        byLabel[li].push_back(std::move(e));
    }
    // One spare, so that an item is never its own example.
    const int want = m_config.fewShot + 1;
    for (int round = 0; static_cast<int>(m_examples.size()) < want; ++round) {
        bool any = false;
        for (auto& list : byLabel) {
            if (round < list.size() && static_cast<int>(m_examples.size()) < want) {
                m_examples.push_back(list[round]);
                any = true;
            }
        }
        if (!any)
            break;
    }
}

} // namespace chorus::model::llm
