#include "importer.h"

#include "csvlayout.h"
#include "csvreader.h"
#include "dialect.h"
#include "importformats.h"
#include "importtarget.h"
#include "labelorder.h"
#include "textfile.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace chorus::model {

QStringList importFormats()
{
    return {QStringLiteral("jsonl"), QStringLiteral("long-csv"), QStringLiteral("wide-csv"),
            QStringLiteral("chaosnli"), QStringLiteral("labelstudio")};
}

QString detectFormat(const QString& file, char delimiter)
{
    TextFile text(file);  // refuses UTF-32 and NUL bytes, reads UTF-16
    const QString ext = QFileInfo(file).suffix().toLower();
    if (ext == QLatin1String("csv") || ext == QLatin1String("tsv") || ext == QLatin1String("txt")) {
        const char d = delimiter ? delimiter : detectDelimiter(text.device(), file);
        CsvReader csv(text.device(), d);
        QStringList first;
        try {
            csv.next(first);
        } catch (const Error&) {
            // A broken first record: the importer reports it with its line.
        }
        return longCsvLayout(first) ? QStringLiteral("long-csv") : QStringLiteral("wide-csv");
    }
    QByteArray first;
    while (!text.device()->atEnd() && first.trimmed().isEmpty())
        first = text.device()->readLine(1 << 20);
    first = first.trimmed();
    if (ext == QLatin1String("json")) {
        if (first.startsWith('['))
            return QStringLiteral("labelstudio");
        return first.contains("\"label_counter\"") ? QStringLiteral("chaosnli") : QStringLiteral("jsonl");
    }
    if (ext == QLatin1String("jsonl") || ext == QLatin1String("ndjson")) {
        if (first.contains("\"label_counter\""))
            return QStringLiteral("chaosnli");
        return QStringLiteral("jsonl");
    }
    throw Error(QStringLiteral("%1: cannot tell the format from the extension \"%2\"; name it with "
                               "--format (%3)")
                    .arg(file, ext, importFormats().join(QStringLiteral(", "))));
}

ImportReport importFile(ProjectStore& store, const QString& file, const ImportOptions& options)
{
    const std::unique_ptr<ImportTarget> target = makeProjectImportTarget(store);
    return importInto(*target, file, options);
}

FileData readFileData(const QString& file, const ImportOptions& options)
{
    auto target = std::make_shared<MemoryImportTarget>();
    FileData data;
    data.report = importInto(*target, file, options);
    data.snapshot = target->takeSnapshot();
    data.rows = std::move(target);
    return data;
}

ImportReport importInto(ImportTarget& target, const QString& file, const ImportOptions& options)
{
    QElapsedTimer timer;
    timer.start();
    ImportReport report;
    report.format = options.format.isEmpty() ? detectFormat(file, options.delimiter) : options.format;
    if (!importFormats().contains(report.format))
        throw Error(QStringLiteral("unknown format \"%1\" (known: %2)")
                        .arg(report.format, importFormats().join(QStringLiteral(", "))));
    if (!QFileInfo::exists(file))
        throw Error(QStringLiteral("%1: no such file").arg(file));
    for (const QString& other : {options.goldFile, options.labelMapFile, options.itemsFile})
        if (!other.isEmpty() && !QFileInfo::exists(other))
            throw Error(QStringLiteral("%1: no such file").arg(other));

    auto run = [&] {
        ImportWriter w(target, options, report);
        if (!options.labelMapFile.isEmpty())
            w.loadLabelMap(options.labelMapFile);
        formats::ItemExtras extras;
        const bool csv = report.format.endsWith(QLatin1String("-csv"));
        if (report.format == QLatin1String("jsonl"))
            formats::importJsonl(w, file);
        else if (report.format == QLatin1String("chaosnli"))
            formats::importChaosNli(w, file);
        else if (report.format == QLatin1String("long-csv"))
            formats::importLongCsv(w, file, extras);
        else if (report.format == QLatin1String("wide-csv"))
            formats::importWideCsv(w, file);
        else
            formats::importLabelStudio(w, file);
        w.finish();
        // An empty file, a header without rows, a CSV without a single answer: almost always
        // the wrong file or a broken export, never worth an import that "succeeds" with nothing.
        // (A jsonl of items with texts only is a record each: items to label later.)
        if (report.annotations == 0 && report.humanCounts == 0 && (csv || !w.hasRecords())) {
            w.setLocation(file, 0);
            w.fail(QStringLiteral("no annotations found"));
        }
        if (!options.itemsFile.isEmpty())
            formats::importItemsFile(w, options.itemsFile, file, extras);
        extras.write(w);
        if (!options.goldFile.isEmpty())
            w.importGoldFile(options.goldFile);
        if (!report.newLabels.isEmpty())
            target.canonicalizeLabelOrder();
        if (options.isCanceled && options.isCanceled())
            throw CanceledError();
    };
    try {
        target.transaction(run);
    } catch (const nlohmann::json::exception& e) {
        // A value of an unexpected type that a parser did not check; already rolled back.
        throw Error(QStringLiteral("%1: %2").arg(file, QString::fromUtf8(e.what())));
    }
    report.seconds = timer.elapsed() / 1000.0;
    return report;
}

namespace formats {

QString jsonString(const nlohmann::json& v)
{
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>());
    if (v.is_number_integer())
        return QString::number(v.get<long long>());
    if (v.is_number())
        return QString::number(v.get<double>(), 'g', 17);
    if (v.is_boolean())
        return v.get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
    return {};
}

namespace {

// Builds the value of one JSON text as nlohmann's own parser does, and notes the first key
// that an object repeats: nlohmann keeps only the last of duplicate keys, which would silently
// drop data ({"labels": {"m1": "a", "m1": "b"}} is two labels for one item and annotator). A
// SAX handler (nlohmann::json::sax_parse): the parser callback used before did the same with a
// copy of every key and a callback per value, a quarter of a 10M-label jsonl import.
class StrictDom
{
public:
    using json = nlohmann::json;
    explicit StrictDom(json& root) : m_root(root) {}

    bool null() { return stored(nullptr); }
    bool boolean(bool v) { return stored(v); }
    bool number_integer(json::number_integer_t v) { return stored(v); }
    bool number_unsigned(json::number_unsigned_t v) { return stored(v); }
    bool number_float(json::number_float_t v, const json::string_t&) { return stored(v); }
    bool string(json::string_t& v) { return stored(std::move(v)); }
    bool binary(json::binary_t&) { return false; }  // only binary formats (CBOR, ...) have these
    bool start_object(std::size_t)
    {
        m_parentKeys.push_back(m_stack.empty() ? std::string() : m_lastKey);
        m_stack.push_back(value(json::value_t::object));
        return true;
    }
    bool key(json::string_t& k)
    {
        auto* object = m_stack.back()->get_ptr<json::object_t*>();
        auto [it, inserted] = object->try_emplace(k);
        if (!inserted && m_duplicate.empty()) {
            m_duplicate = k;
            m_duplicateParent = m_parentKeys.back();
        }
        m_element = &it->second;
        m_lastKey = k;
        return true;
    }
    bool end_object()
    {
        m_stack.pop_back();
        m_parentKeys.pop_back();
        return true;
    }
    bool start_array(std::size_t)
    {
        m_stack.push_back(value(json::value_t::array));
        return true;
    }
    bool end_array()
    {
        m_stack.pop_back();
        return true;
    }
    template <typename Exception>
    bool parse_error(std::size_t, const std::string&, const Exception& e)
    {
        throw e;
    }

    const std::string& duplicate() const { return m_duplicate; }
    const std::string& duplicateParent() const { return m_duplicateParent; }

private:
    template <typename V>
    bool stored(V&& v)
    {
        value(std::forward<V>(v));
        return true;
    }
    // Stores a value where the text puts it (the root, the end of an array, or under the key
    // just read) and returns where it went.
    template <typename V>
    json* value(V&& v)
    {
        if (m_stack.empty()) {
            m_root = json(std::forward<V>(v));
            return &m_root;
        }
        if (auto* array = m_stack.back()->get_ptr<json::array_t*>()) {
            array->emplace_back(std::forward<V>(v));
            return &array->back();
        }
        *m_element = json(std::forward<V>(v));
        return m_element;
    }

    json& m_root;
    std::vector<json*> m_stack;            // open arrays and objects
    std::vector<std::string> m_parentKeys;  // key under which each open object sits
    json* m_element = nullptr;              // value of the key just read
    std::string m_lastKey, m_duplicate, m_duplicateParent;
};

// Parses one JSON text; a syntax error or a duplicate key goes through fail().
nlohmann::json parseStrict(ImportWriter& w, const char* begin, const char* end)
{
    nlohmann::json j;
    StrictDom dom(j);
    try {
        nlohmann::json::sax_parse(begin, end, &dom);
    } catch (const nlohmann::json::parse_error& e) {
        // e.byte is 1-based within the text.
        w.fail(QStringLiteral("invalid JSON at column %1").arg(e.byte));
    }
    if (!dom.duplicate().empty()) {
        const std::string& parent = dom.duplicateParent();
        const QString k = QString::fromStdString(dom.duplicate());
        if (parent == "labels" || parent == "probs")
            w.fail(QStringLiteral("two %1 for one item and annotator \"%2\"")
                       .arg(parent == "labels" ? QStringLiteral("labels") : QStringLiteral("distributions"), k));
        w.fail(QStringLiteral("duplicate key \"%1\"").arg(k));
    }
    return j;
}

} // namespace

void forEachJsonLine(ImportWriter& w, const QString& file, const std::function<void(const nlohmann::json&)>& fn,
                     QString* encoding)
{
    TextFile text(file);
    if (encoding)
        *encoding = text.encoding();
    QIODevice* d = text.device();
    const qint64 total = text.size();
    const bool checkUtf8 = !text.converted();
    qint64 line = 0, bytes = text.start();
    while (!d->atEnd()) {
        const QByteArray raw = d->readLine();
        ++line;
        w.setLocation(file, line);
        if (checkUtf8) {
            const qsizetype bad = firstInvalidUtf8(raw.constData(), raw.size());
            if (bad >= 0)
                w.fail(invalidUtf8Problem(bytes + bad, static_cast<unsigned char>(raw.at(bad))));
        }
        bytes += raw.size();
        if (raw.trimmed().isEmpty())
            continue;
        const nlohmann::json j = parseStrict(w, raw.constData(), raw.constData() + raw.size());
        if (!j.is_object())
            w.fail(QStringLiteral("expected a JSON object"));
        fn(j);
        w.checkCanceled(bytes, total);
    }
}

namespace {

// A JSONL line's header fields: the declared label set and the annotators' kinds and costs.
void readJsonlDeclarations(ImportWriter& w, const nlohmann::json& j)
{
    if (j.contains("label_set")) {
        if (!j["label_set"].is_array())
            w.fail(QStringLiteral("\"label_set\" must be an array of labels"));
        QStringList declared;
        for (const auto& l : j["label_set"]) {
            declared << jsonString(l);
            w.declareLabel(declared.last());
        }
        w.closeLabelSet(declared);
    }
    if (j.contains("annotators")) {
        // {"name": {"kind": "human", "cost_per_item": 0.02}}: kinds and costs of annotators
        // (written by the jsonl export so that a round trip keeps them).
        const auto& a = j["annotators"];
        if (!a.is_object())
            w.fail(QStringLiteral("\"annotators\" must be an object {name: {\"kind\": ...}}"));
        for (const auto& [name, props] : a.items()) {
            const QString n = QString::fromStdString(name);
            if (!props.is_object())
                w.fail(QStringLiteral("annotator \"%1\" must be an object").arg(n));
            AnnotatorKind kind = w.defaultKind();
            if (props.contains("kind")) {
                bool ok = props["kind"].is_string();
                if (ok)
                    kind = kindFromName(QString::fromStdString(props["kind"].get<std::string>()), &ok);
                if (!ok)
                    w.fail(QStringLiteral("kind of annotator \"%1\" must be llm, human or reviewer").arg(n));
            }
            std::optional<double> cost;
            if (props.contains("cost_per_item") && !props["cost_per_item"].is_null()) {
                if (!props["cost_per_item"].is_number())
                    w.fail(QStringLiteral("cost_per_item of annotator \"%1\" is not a number").arg(n));
                cost = props["cost_per_item"].get<double>();
            }
            w.declareAnnotator(n, kind, cost);
        }
    }
}

// One JSONL item's answers: "labels" (plain or with "probs", "scores", "raw") and "probs" alone.
void readJsonlAnswers(ImportWriter& w, const nlohmann::json& j, qint64 itemId, bool hasLabels, bool hasProbs)
{
    static const nlohmann::json empty = nlohmann::json::object();
    const nlohmann::json& labels = hasLabels ? j["labels"] : empty;
    const nlohmann::json& probs = hasProbs ? j["probs"] : empty;
    const nlohmann::json* scores = j.contains("scores") ? &j["scores"] : nullptr;
    const nlohmann::json* raws = j.contains("raw") ? &j["raw"] : nullptr;
    if (!labels.is_object())
        w.fail(QStringLiteral("\"labels\" must be an object {annotator: label}"));
    if (!probs.is_object())
        w.fail(QStringLiteral("\"probs\" must be an object {annotator: {label: p}}"));
    if (scores && !scores->is_object())
        w.fail(QStringLiteral("\"scores\" must be an object {annotator: number}"));
    if (raws && !raws->is_object())
        w.fail(QStringLiteral("\"raw\" must be an object {annotator: original output}"));
    // The annotator's output as it was before normalisation, when the file carries it.
    auto rawOf = [&](const std::string& ann) -> QString {
        if (!raws || !raws->contains(ann))
            return {};
        if (!(*raws)[ann].is_string())
            w.fail(QStringLiteral("raw output of \"%1\" must be a string").arg(QString::fromStdString(ann)));
        const QString r = QString::fromStdString((*raws)[ann].get<std::string>());
        return r.isNull() ? QString(QLatin1String("")) : r;
    };
    auto scoreOf = [&](const std::string& ann) -> std::optional<double> {
        if (!scores || !scores->contains(ann))
            return std::nullopt;
        if (!(*scores)[ann].is_number())
            w.fail(QStringLiteral("score of \"%1\" is not a number").arg(QString::fromStdString(ann)));
        return (*scores)[ann].get<double>();
    };
    for (const auto& [ann, label] : labels.items()) {
        if (label.is_null())
            continue;
        if (!label.is_string() && !label.is_number())
            w.fail(QStringLiteral("label of \"%1\" must be a string").arg(QString::fromStdString(ann)));
        const nlohmann::json* p = probs.contains(ann) ? &probs[ann] : nullptr;
        if (label.is_string() && !p && !(scores && scores->contains(ann)) && !(raws && raws->contains(ann))) {
            // A plain answer (the common case): through the byte caches, which give what
            // annotation() below gives for it without a QString per answer.
            const std::string& answer = label.get_ref<const std::string&>();
            w.annotationUtf8(itemId, QByteArrayView(ann.data(), static_cast<qsizetype>(ann.size())),
                             QByteArrayView(answer.data(), static_cast<qsizetype>(answer.size())));
            continue;
        }
        QString raw = jsonString(label);
        if (raw.isEmpty() && !p)
            raw = QLatin1String("");  // an empty answer: INVALID, raw kept as ""
        w.annotation(itemId, QString::fromStdString(ann), w.defaultKind(), raw, p, scoreOf(ann),
                     rawOf(ann));
    }
    for (const auto& [ann, p] : probs.items())
        if (!labels.contains(ann) || labels[ann].is_null())
            w.annotation(itemId, QString::fromStdString(ann), w.defaultKind(), QString(), &p,
                         scoreOf(ann), rawOf(ann));
}

} // namespace

void importJsonl(ImportWriter& w, const QString& file)
{
    forEachJsonLine(w, file, [&](const nlohmann::json& j) {
        readJsonlDeclarations(w, j);
        if (!j.contains("id") || jsonString(j["id"]).isEmpty())
            w.fail(QStringLiteral("missing \"id\""));
        const QString id = jsonString(j["id"]);
        const bool hasLabels = j.contains("labels"), hasProbs = j.contains("probs"),
                   hasCounts = j.contains("human_counts");
        // An item with a text and nothing else is an item without labels yet (to be labeled).
        if (!hasLabels && !hasProbs && !hasCounts && !j.contains("text"))
            w.fail(QStringLiteral("item \"%1\" has none of \"labels\", \"probs\", \"human_counts\", \"text\"").arg(id));
        QString text;
        if (j.contains("text")) {
            if (!j["text"].is_string())
                w.fail(QStringLiteral("\"text\" must be a string"));
            text = QString::fromStdString(j["text"].get<std::string>());
        }
        QString meta;
        if (j.contains("meta") && !j["meta"].is_null()) {
            if (!j["meta"].is_object())
                w.fail(QStringLiteral("\"meta\" must be an object"));
            meta = QString::fromStdString(j["meta"].dump());
        }
        const qint64 itemId = w.item(id, text, meta, true);
        readJsonlAnswers(w, j, itemId, hasLabels, hasProbs);
        if (j.contains("gold") && !j["gold"].is_null())
            w.gold(itemId, jsonString(j["gold"]));
        if (hasCounts) {
            const auto& c = j["human_counts"];
            if (!c.is_object())
                w.fail(QStringLiteral("\"human_counts\" must be an object {label: count}"));
            for (const auto& [label, n] : c.items()) {
                if (!n.is_number_integer())
                    w.fail(QStringLiteral("count for \"%1\" is not an integer").arg(QString::fromStdString(label)));
                w.humanCount(itemId, QString::fromStdString(label), n.get<long long>());
            }
            w.finishItemCounts();
        }
    }, &w.report().encoding);
}

void importChaosNli(ImportWriter& w, const QString& file)
{
    forEachJsonLine(w, file, [&](const nlohmann::json& j) {
        if (!j.contains("uid"))
            w.fail(QStringLiteral("missing \"uid\""));
        if (!j.contains("label_counter") || !j["label_counter"].is_object())
            w.fail(QStringLiteral("missing \"label_counter\" object"));
        const nlohmann::json& ex = j.contains("example") && j["example"].is_object() ? j["example"] : j;
        QString text;
        auto field = [&](const char* k) {
            return ex.contains(k) && ex[k].is_string() ? QString::fromStdString(ex[k].get<std::string>())
                                                       : QString();
        };
        if (!field("premise").isEmpty() || !field("hypothesis").isEmpty())
            text = QStringLiteral("Premise: %1\nHypothesis: %2").arg(field("premise"), field("hypothesis"));
        else if (!field("context").isEmpty())
            text = field("context");
        nlohmann::json meta = nlohmann::json::object();
        for (const char* k : {"majority_label", "old_label", "source"})
            if (j.contains(k) && j[k].is_string())
                meta[k] = j[k];
            else if (ex.contains(k) && ex[k].is_string())
                meta[k] = ex[k];
        const qint64 itemId = w.item(jsonString(j["uid"]), text,
                                     meta.empty() ? QString() : QString::fromStdString(meta.dump()), true);
        for (const auto& [label, n] : j["label_counter"].items()) {
            if (!n.is_number_integer())
                w.fail(QStringLiteral("count for \"%1\" is not an integer").arg(QString::fromStdString(label)));
            w.humanCount(itemId, QString::fromStdString(label), n.get<long long>());
        }
        w.finishItemCounts();
    }, &w.report().encoding);
}

} // namespace formats
} // namespace chorus::model
