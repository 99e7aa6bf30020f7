#include "importformats.h"
#include "textfile.h"

#include <nlohmann/json.hpp>

namespace chorus::model::formats {

namespace {

// The first "choices" value of a Label Studio result list, or empty.
QString firstChoice(const nlohmann::json& result)
{
    if (!result.is_array())
        return {};
    for (const auto& r : result) {
        if (!r.is_object() || !r.contains("value") || !r["value"].is_object())
            continue;
        const auto& v = r["value"];
        if (v.contains("choices") && v["choices"].is_array() && !v["choices"].empty()
            && v["choices"][0].is_string())
            return QString::fromStdString(v["choices"][0].get<std::string>());
    }
    return {};
}

QString annotatorOf(const nlohmann::json& a)
{
    if (a.contains("completed_by")) {
        const auto& c = a["completed_by"];
        if (c.is_object()) {
            if (c.contains("email") && c["email"].is_string())
                return QString::fromStdString(c["email"].get<std::string>());
            if (c.contains("id") && c["id"].is_number_integer())
                return QStringLiteral("user-%1").arg(c["id"].get<long long>());
        }
        if (c.is_number_integer())
            return QStringLiteral("user-%1").arg(c.get<long long>());
    }
    return QStringLiteral("user-unknown");
}

} // namespace

void importLabelStudio(ImportWriter& w, const QString& file)
{
    // A Label Studio export is one JSON array; it is parsed whole (exports are modest in size).
    TextFile text(file);
    w.report().encoding = text.encoding();
    const QByteArray data = text.device()->readAll();
    if (!text.converted()) {
        const qsizetype bad = firstInvalidUtf8(data.constData(), data.size());
        if (bad >= 0) {
            w.setLocation(file, 1 + data.left(bad).count('\n'));
            w.fail(invalidUtf8Problem(text.start() + bad, static_cast<unsigned char>(data.at(bad))));
        }
    }
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(data.constData(), data.constData() + data.size());
    } catch (const nlohmann::json::parse_error& e) {
        // Report the line of the byte where parsing failed.
        const qint64 line = 1 + data.left(static_cast<qsizetype>(e.byte)).count('\n');
        w.setLocation(file, line);
        w.fail(QStringLiteral("invalid JSON"));
    }
    w.setLocation(file, 0);
    if (!doc.is_array())
        w.fail(QStringLiteral("expected a Label Studio export (a JSON array of tasks)"));
    // The parsed document has no line numbers: problems name the task by its position in the
    // array ("file: task 3: problem").
    qint64 index = 0;
    QString where;
    for (const auto& task : doc) {
        ++index;
        where = QStringLiteral("task %1: ").arg(index);
        if (!task.is_object() || !task.contains("data") || !task["data"].is_object())
            w.fail(where + QStringLiteral("task without a \"data\" object"));
        const auto& data = task["data"];
        QString id;
        if (data.contains("id") && (data["id"].is_string() || data["id"].is_number()))
            id = data["id"].is_string() ? QString::fromStdString(data["id"].get<std::string>())
                                        : QString::number(data["id"].get<long long>());
        else if (task.contains("id") && task["id"].is_number_integer())
            id = QString::number(task["id"].get<long long>());
        else
            w.fail(where + QStringLiteral("task without an id"));
        QString text;
        if (data.contains("text") && data["text"].is_string())
            text = QString::fromStdString(data["text"].get<std::string>());
        else
            for (const auto& [k, v] : data.items())
                if (v.is_string() && k != "id") {
                    text = QString::fromStdString(v.get<std::string>());
                    break;
                }
        const qint64 item = w.item(id, text, {}, true);
        if (task.contains("predictions") && task["predictions"].is_array()) {
            for (const auto& p : task["predictions"]) {
                if (!p.is_object())
                    continue;
                const QString model = p.contains("model_version") && p["model_version"].is_string()
                                          ? QString::fromStdString(p["model_version"].get<std::string>())
                                          : QStringLiteral("prediction");
                const QString choice = firstChoice(p.value("result", nlohmann::json()));
                std::optional<double> score;
                if (p.contains("score") && p["score"].is_number())
                    score = p["score"].get<double>();
                w.annotation(item, model, AnnotatorKind::Llm, choice.isEmpty() ? kInvalidLabelName : choice,
                             nullptr, score);
            }
        }
        if (task.contains("annotations") && task["annotations"].is_array()) {
            for (const auto& a : task["annotations"]) {
                if (!a.is_object() || a.value("was_cancelled", false))
                    continue;
                const QString choice = firstChoice(a.value("result", nlohmann::json()));
                if (choice.isEmpty())
                    continue;  // skipped or incomplete annotation
                w.annotation(item, annotatorOf(a), AnnotatorKind::Human, choice);
            }
        }
    }
}

} // namespace chorus::model::formats
