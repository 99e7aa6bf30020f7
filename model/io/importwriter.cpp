#include "importwriter.h"

#include "csvlayout.h"
#include "csvreader.h"
#include "dialect.h"
#include "labelorder.h"
#include "textfile.h"

#include <QFile>

#include <nlohmann/json.hpp>

#include <cmath>

namespace chorus::model {

ImportWriter::ImportWriter(ImportTarget& target, const ImportOptions& options, ImportReport& report)
    : m_target(target), m_options(options), m_report(report), m_trackItems(!options.itemsFile.isEmpty()),
      m_ring(target.maxBuffered())
{
    m_items = target.existingItems();
    m_itemBytesComplete = m_items.isEmpty();
    m_annotators = target.existingAnnotators();
    for (const auto& [name, id] : target.existingLabels())
        m_labels.insert(name, id);
    m_norm.setLabels(targetLabelNames());
    if (!options.labels.isEmpty()) {
        QStringList declared;
        for (const QString& l : options.labels) {
            const auto r = m_norm.resolve(l);
            if (r.outcome == LabelNormalizer::Outcome::Invalid)
                throw Error(QStringLiteral("\"%1\" cannot be a label (%2 is reserved for outputs that map "
                                           "to no label)")
                                .arg(l, kInvalidLabelName));
            labelId(r.label);
            declared << r.label;
        }
        target.setLabelSetClosed(true);
        target.declareLabelOrder(declared);
        m_norm.setLabels(targetLabelNames());  // in the declared order, for messages
    }
    m_norm.setClosed(target.labelSetClosed());
}

QStringList ImportWriter::targetLabelNames()
{
    QStringList names;
    for (const auto& [name, id] : m_target.existingLabels())
        names << name;
    return names;
}

void ImportWriter::fail(const QString& problem) const
{
    if (m_line > 0)
        throw Error(QStringLiteral("%1:%2: %3").arg(m_file).arg(m_line).arg(problem));
    throw Error(QStringLiteral("%1: %2").arg(m_file, problem));
}

void ImportWriter::checkCanceled(qint64 done, qint64 total)
{
    if (++m_sinceCheck < 4096)
        return;
    m_sinceCheck = 0;
    if (m_options.isCanceled && m_options.isCanceled())
        throw CanceledError();
    if (m_options.progress)
        m_options.progress(done, total);
}

void ImportWriter::closeLabelSet(const QStringList& declaredOrder)
{
    m_norm.setClosed(true);
    m_target.setLabelSetClosed(true);
    m_target.declareLabelOrder(declaredOrder);
}

qint64 ImportWriter::labelId(const QString& name)
{
    const auto it = m_labels.constFind(name);
    if (it != m_labels.constEnd())
        return it.value();
    const qint64 id = stored([&] { return m_target.addLabel(name); });
    m_labels.insert(name, id);
    m_report.newLabels << name;
    return id;
}

qint64 ImportWriter::item(const QString& extId, const QString& text, const QString& metaJson,
                          bool fullRecord)
{
    if (extId.isEmpty())
        fail(QStringLiteral("empty item id"));
    if (fullRecord) {
        if (m_fullRecordSeen.contains(extId))
            fail(QStringLiteral("item \"%1\" appears twice").arg(extId));
        m_fullRecordSeen.insert(extId, true);
    }
    if (!fullRecord && text.isEmpty() && metaJson.isEmpty() && extId == m_lastItem)
        return m_lastItemId;
    itemIds();
    const auto it = m_items.constFind(extId);
    if (it != m_items.constEnd()) {
        m_lastItem = extId;
        m_lastItemId = it.value();
        if (m_trackItems)
            m_importItems.insert(it.value());
        stored([&] { m_target.updateItem(it.value(), text, metaJson); });
        return it.value();
    }
    const qint64 id = stored([&] { return m_target.addItem(extId, text, metaJson); });
    m_items.insert(extId, id);
    m_itemBytesComplete = false;  // an item that m_itemBytes does not have
    m_lastItem = extId;
    m_lastItemId = id;
    if (m_trackItems)
        m_importItems.insert(id);
    ++m_report.itemsAdded;
    return id;
}

void ImportWriter::setItemTextAndMeta(qint64 itemId, const QString& text, const QString& metaJson)
{
    stored([&] { m_target.updateItem(itemId, text, metaJson); });
}

qint64 ImportWriter::annotator(const QString& name, AnnotatorKind kind)
{
    const auto it = m_annotators.constFind(name);
    if (it != m_annotators.constEnd())
        return it.value();
    if (name.trimmed().isEmpty())
        fail(QStringLiteral("empty annotator name"));
    const qint64 id = stored([&] { return m_target.addAnnotator(name, kind, std::nullopt); });
    m_annotators.insert(name, id);
    m_report.newAnnotators << name;
    return id;
}

void ImportWriter::declareAnnotator(const QString& name, AnnotatorKind kind, std::optional<double> costPerItem)
{
    if (m_annotators.contains(name))
        return;
    if (name.trimmed().isEmpty())
        fail(QStringLiteral("empty annotator name"));
    m_annotators.insert(name, stored([&] { return m_target.addAnnotator(name, kind, costPerItem); }));
    m_report.newAnnotators << name;
}

qint64 ImportWriter::knownLabel(const QString& raw, QString* name)
{
    const auto cached = m_known.constFind(raw);
    if (cached != m_known.constEnd()) {
        if (name)
            *name = cached->name;
        return cached->id;
    }
    // Only valid answers are cached: the normaliser only ever learns labels and mappings, so
    // a raw string that maps to a label keeps mapping to it.
    const auto r = m_norm.resolve(raw);
    if (r.outcome == LabelNormalizer::Outcome::Invalid)
        return -1;
    const qint64 id = labelId(r.label);
    m_known.insert(raw, {id, r.label});
    if (name)
        *name = r.label;
    return id;
}

qint64 ImportWriter::strictLabel(const QString& raw, const char* what)
{
    const qint64 id = knownLabel(raw, nullptr);
    if (id < 0) {
        if (raw.trimmed() == kInvalidLabelName || LabelNormalizer::key(raw).isEmpty())
            fail(QStringLiteral("%1 label \"%2\" is not a label").arg(QLatin1String(what), raw));
        fail(QStringLiteral("unknown %1 label \"%2\" (the label set is closed: %3)")
                 .arg(QLatin1String(what), raw, m_norm.labels().join(QStringLiteral(", "))));
    }
    return id;
}

void ImportWriter::annotation(qint64 itemId, const QString& annotatorName, AnnotatorKind kind,
                              const QString& rawLabel, const nlohmann::json* probs,
                              std::optional<double> score, const QString& keptRaw)
{
    const qint64 annId = annotator(annotatorName, kind);
    QString probsText;
    QString raw = rawLabel;
    if (probs) {
        if (!probs->is_object() || probs->empty())
            fail(QStringLiteral("probabilities of \"%1\" must be an object {label: p}").arg(annotatorName));
        nlohmann::json clean = nlohmann::json::object();
        double sum = 0, best = -1;
        QString bestLabel;
        for (const auto& [k, v] : probs->items()) {
            if (!v.is_number())
                fail(QStringLiteral("probability of \"%1\" for \"%2\" is not a number")
                         .arg(QString::fromStdString(k), annotatorName));
            const double p = v.get<double>();
            if (!std::isfinite(p) || p < 0 || p > 1)
                fail(QStringLiteral("probability %1 of \"%2\" for \"%3\" is outside [0, 1]")
                         .arg(p).arg(QString::fromStdString(k), annotatorName));
            QString name;
            const QString key = QString::fromStdString(k);
            if (knownLabel(key, &name) < 0)
                strictLabel(key, "probability");  // fails with the message
            clean[name.toStdString()] = p;
            sum += p;
            if (p > best) {
                best = p;
                bestLabel = name;
            }
        }
        if (std::abs(sum - 1.0) > 1e-6)
            fail(QStringLiteral("probabilities of \"%1\" sum to %2, not 1 (tolerance 1e-6)")
                     .arg(annotatorName)
                     .arg(sum, 0, 'g', 12));
        probsText = QString::fromStdString(clean.dump());
        if (raw.isEmpty())
            raw = bestLabel;
    }
    QString labelName;
    const qint64 lid = knownLabel(raw, &labelName);
    const QString& kept = keptRaw.isNull() ? raw : keptRaw;
    QString storedRaw;  // null: NULL
    if (lid < 0) {
        ++m_report.invalid;
        ++m_report.invalidByAnnotator[annotatorName];
        // Never NULL: an INVALID annotation always keeps what the annotator said ("" included).
        storedRaw = kept.isNull() ? QString(QLatin1String("")) : kept;
    } else if (kept != labelName) {
        storedRaw = kept;
    }
    addAnnotation(itemId, annId, lid, storedRaw, probsText, score);
    ++m_report.annotations;
}

qint64 ImportWriter::itemUtf8(QByteArrayView extId)
{
    const std::string_view key = viewOf(extId);
    if (m_lastItemBytesId >= 0 && key == m_lastItemBytes)
        return m_lastItemBytesId;
    qint64 id;
    if (const qint64* known = m_itemBytes.find(key)) {
        id = *known;
        if (m_trackItems)
            m_importItems.insert(id);
    } else if (m_itemBytesComplete) {
        // A new item: what item() does for one, with m_items updated later (itemIds()).
        if (extId.isEmpty())
            fail(QStringLiteral("empty item id"));
        const QString ext = QString::fromUtf8(extId);
        id = stored([&] { return m_target.addItem(ext, QString(), QString()); });
        m_pendingItems.emplace_back(ext, id);
        if (m_trackItems)
            m_importItems.insert(id);
        ++m_report.itemsAdded;
        m_itemBytes.insert(key, id);
    } else {
        id = item(QString::fromUtf8(extId));
        m_itemBytes.insert(key, id);
    }
    m_lastItemBytes.assign(key);
    m_lastItemBytesId = id;
    return id;
}

qint64 ImportWriter::annotatorUtf8(QByteArrayView annotatorName)
{
    if (const CachedAnnotator* a = m_annotatorBytes.find(viewOf(annotatorName)))
        return a->id;
    const QString name = QString::fromUtf8(annotatorName);
    const qint64 id = annotator(name, m_options.kind);
    m_annotatorBytes.insert(viewOf(annotatorName), CachedAnnotator{id, name});
    return id;
}

void ImportWriter::annotationUtf8(qint64 itemId, QByteArrayView annotatorName, QByteArrayView rawLabel)
{
    const CachedAnnotator* a = m_annotatorBytes.find(viewOf(annotatorName));
    if (!a) {
        const QString name = QString::fromUtf8(annotatorName);
        const qint64 id = annotator(name, m_options.kind);
        a = &m_annotatorBytes.insert(viewOf(annotatorName), CachedAnnotator{id, name});
    }
    const CachedAnswer* l = m_answerBytes.find(viewOf(rawLabel));
    if (!l) {
        // First time: the full path, then remember a valid answer's outcome (an INVALID one
        // always takes the full path: it is counted per annotator and its raw text kept).
        const QString raw = QString::fromUtf8(rawLabel);
        annotation(itemId, a->name, m_options.kind, raw);
        QString labelName;
        const qint64 lid = knownLabel(raw, &labelName);
        if (lid >= 0)
            m_answerBytes.insert(viewOf(rawLabel), CachedAnswer{lid, raw != labelName ? raw : QString()});
        return;
    }
    addAnnotation(itemId, a->id, l->labelId, l->storedRaw, QString(), std::nullopt);
    ++m_report.annotations;
}

void ImportWriter::addAnnotation(qint64 itemId, qint64 annotatorId, qint64 labelId, const QString& raw,
                                 const QString& probs, std::optional<double> score)
{
    // The parsers pass the same QString for every line of a file: compare its data first.
    if (m_originFiles.isEmpty()
        || (m_originFiles.constLast().constData() != m_file.constData() && m_originFiles.constLast() != m_file))
        m_originFiles.append(m_file);
    const RowOrigin origin{m_line, itemId, annotatorId, static_cast<qint32>(m_originFiles.size() - 1)};
    if (static_cast<qint64>(m_origins.size()) < m_ring)
        m_origins.push_back(origin);  // sequence m_sequence, while the ring is not yet full
    else
        m_origins[static_cast<size_t>(m_sequence % m_ring)] = origin;
    const qint64 sequence = m_sequence++;
    ImportTarget::Added added;
    try {
        added = stored([&] { return m_target.addAnnotation(itemId, annotatorId, labelId, raw, probs, score); });
    } catch (const DuplicateAnnotation& d) {
        failDuplicate(d.sequence);
    }
    if (added == ImportTarget::Added::Duplicate)
        failDuplicate(sequence);
}

void ImportWriter::failDuplicate(qint64 sequence)
{
    const RowOrigin& o = m_origins[static_cast<size_t>(sequence % m_ring)];
    setLocation(m_originFiles.at(o.file), o.line);
    fail(QStringLiteral("item \"%1\" already has a label from annotator \"%2\"")
             .arg(itemIds().key(o.item), m_annotators.key(o.annotator)));
}

void ImportWriter::finish()
{
    try {
        stored([&] { m_target.flush(); });
    } catch (const DuplicateAnnotation& d) {
        failDuplicate(d.sequence);
    }
}

void ImportWriter::gold(qint64 itemId, const QString& label)
{
    const qint64 lid = strictLabel(label, "gold");
    stored([&] { m_target.setGold(itemId, lid); });
    ++m_report.gold;
}

void ImportWriter::humanCount(qint64 itemId, const QString& label, qint64 count)
{
    if (count < 0)
        fail(QStringLiteral("negative count %1 for label \"%2\"").arg(count).arg(label));
    const qint64 lid = strictLabel(label, "human count");
    stored([&] { m_target.setHumanCount(itemId, lid, count); });
}

void ImportWriter::readTwoColumnCsv(const QString& file, const QString& columns,
                                    const std::function<bool(const QStringList&)>& isHeader,
                                    const std::function<void(const QStringList&)>& handle,
                                    const std::function<bool(QByteArrayView, QByteArrayView)>& fast)
{
    setLocation(file, 0);
    try {
        TextFile text(file);
        const char delimiter = m_options.delimiter ? m_options.delimiter : detectDelimiter(text.device(), file);
        CsvReader csv(text.device(), delimiter);
        csv.setCheckUtf8(!text.converted());
        std::vector<QByteArrayView> bytes;  // what CsvReader::next() would give, before fromUtf8
        QStringList row;
        while (csv.nextBytes(bytes)) {
            setLocation(file, csv.line());
            if (bytes.size() != 2)
                fail(QStringLiteral("expected 2 columns (%1), found %2").arg(columns).arg(bytes.size()));
            if (csv.line() != 1 && fast && fast(bytes[0], bytes[1]))
                continue;
            row = {QString::fromUtf8(bytes[0]), QString::fromUtf8(bytes[1])};
            if (csv.line() == 1 && isHeader(row))
                continue;
            handle(row);
        }
    } catch (const Error& e) {
        // CsvReader reports "line N: problem"; name the file.
        if (!e.message().startsWith(QLatin1String("line ")))
            throw;
        throw Error(file + QLatin1Char(':') + e.message().mid(5));
    }
}

void ImportWriter::loadLabelMap(const QString& file)
{
    qint64 rows = 0;
    readTwoColumnCsv(
        file, QStringLiteral("raw,label"),
        [](const QStringList& row) {
            return (row[0] == QLatin1String("raw") || row[0] == QLatin1String("letter")) && row[1] == QLatin1String("label");
        },
        [this, &rows](const QStringList& row) {
            ++rows;
            if (LabelNormalizer::key(row[1]).isEmpty())
                fail(QStringLiteral("empty target label"));
            if (row[1].trimmed() == kInvalidLabelName) {
                m_norm.addMapping(row[0], kInvalidLabelName);  // explicitly unmappable
                return;
            }
            // The target goes through the normaliser like any label, so that "fear" maps onto
            // an existing "Fear" instead of adding a second label, and a closed set stays closed.
            const auto r = m_norm.resolve(row[1]);
            if (r.outcome == LabelNormalizer::Outcome::Invalid)
                fail(QStringLiteral("unknown target label \"%1\" (the label set is closed: %2)")
                         .arg(row[1], m_norm.labels().join(QStringLiteral(", "))));
            m_norm.addMapping(row[0], r.label);
            labelId(r.label);
        });
    if (rows == 0) {
        setLocation(file, 0);
        fail(QStringLiteral("no mappings found"));
    }
}

void ImportWriter::importGoldFile(const QString& file)
{
    const qint64 before = m_report.gold;
    // Items a long CSV named are found by their bytes (itemUtf8's cache), and gold labels by
    // theirs once strictLabel() accepted them; anything else takes the QString path.
    ByteMap<qint64> goldLabels;
    readTwoColumnCsv(
        file, QStringLiteral("item,label"),
        [](const QStringList& row) { return isItemColumnName(row[0]); },
        [this](const QStringList& row) {
            const QHash<QString, qint64>& items = itemIds();
            const auto it = items.constFind(row[0]);
            if (it == items.constEnd())
                fail(QStringLiteral("gold for unknown item \"%1\"").arg(row[0]));
            gold(it.value(), row[1]);
        },
        [this, &goldLabels](QByteArrayView item, QByteArrayView label) {
            const qint64* itemId = m_itemBytes.find(viewOf(item));
            if (!itemId)
                return false;
            const qint64* labelId = goldLabels.find(viewOf(label));
            if (!labelId)
                labelId = &goldLabels.insert(viewOf(label), strictLabel(QString::fromUtf8(label), "gold"));
            stored([&] { m_target.setGold(*itemId, *labelId); });
            ++m_report.gold;
            return true;
        });
    if (m_report.gold == before) {
        setLocation(file, 0);
        fail(QStringLiteral("no gold labels found"));
    }
}

} // namespace chorus::model
