#pragma once
// Shared sink of every import format: resolves ids, normalises labels, validates and hands the
// rows to an ImportTarget (a project's tables, or memory for --input). Used inside the import's
// all-or-nothing unit only.

#include "importer.h"
#include "bytekeymap.h"
#include "importtarget.h"
#include "labelnormalizer.h"

#include <QHash>
#include <QSet>

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chorus::model {

class ImportWriter
{
public:
    ImportWriter(ImportTarget& target, const ImportOptions& options, ImportReport& report);

    /// Where errors are reported: set by the parser before each record.
    void setLocation(const QString& file, qint64 line)
    {
        if (!sameString(m_file, file))  // the same file every row: no reference counting
            m_file = file;
        m_line = line;
    }
    [[noreturn]] void fail(const QString& problem) const;
    /// True when a and b are one shared string (a copy of the other), so assigning one to the
    /// other would change nothing but a reference count.
    static bool sameString(const QString& a, const QString& b)
    {
        return a.isSharedWith(b) && a.constData() == b.constData() && a.size() == b.size();
    }

    /// Adds or finds an item. text/meta replace the stored ones only when non-empty; an id
    /// seen twice as a full record in the same file is an error.
    qint64 item(const QString& extId, const QString& text = {}, const QString& metaJson = {},
                bool fullRecord = false);
    /// Id of the item extId when this import's data file named it (with ImportOptions::itemsFile
    /// set; else always -1), or -1.
    qint64 importedItem(const QString& extId) const
    {
        const QHash<QString, qint64>& items = itemIds();
        const auto it = items.constFind(extId);
        return it != items.constEnd() && m_importItems.contains(it.value()) ? it.value() : -1;
    }
    /// Replaces an item's text (when non-empty) and metadata (when non-empty, a JSON object).
    void setItemTextAndMeta(qint64 itemId, const QString& text, const QString& metaJson);
    /// True once a parser gave a full record (an item of jsonl, chaosnli, labelstudio or a row
    /// of a wide CSV).
    bool hasRecords() const { return !m_fullRecordSeen.isEmpty(); }
    qint64 annotator(const QString& name, AnnotatorKind kind);
    /// Declares an annotator with its kind and cost per item (jsonl "annotators"). An annotator
    /// that already exists is left as it is.
    void declareAnnotator(const QString& name, AnnotatorKind kind, std::optional<double> costPerItem);
    /// Stores an annotation. rawLabel may be empty when probs are given (argmax is used).
    /// keptRaw, when not null, is the annotator's original output to keep in the raw column
    /// (jsonl "raw"); otherwise rawLabel is kept when it differs from the label it maps to.
    void annotation(qint64 itemId, const QString& annotatorName, AnnotatorKind kind,
                    const QString& rawLabel, const nlohmann::json* probs = nullptr,
                    std::optional<double> score = std::nullopt, const QString& keptRaw = QString());
    /// item() and annotation() (default kind, no probabilities, score or separate raw) for fields
    /// given as UTF-8 bytes: an id, annotator or answer seen before is found by its bytes, and
    /// only the first occurrence of each goes through the QString path (same validation,
    /// normalisation and errors), whose outcome is remembered. The long-CSV import's hot path.
    qint64 itemUtf8(QByteArrayView extId);
    void annotationUtf8(qint64 itemId, QByteArrayView annotatorName, QByteArrayView rawLabel);

    /// What annotationUtf8() remembers of a valid answer: its label and the raw text to keep
    /// (null when the answer is the label's own name).
    struct CachedAnswer
    {
        qint64 labelId;
        QString storedRaw;
    };
    /// For rows whose fields were parsed elsewhere (a long CSV read in parts, csvchunk.h), so
    /// that each distinct annotator and answer is looked up once per part:
    /// - annotatorUtf8(): the annotator's id, found or added as annotationUtf8() does;
    /// - knownAnswerUtf8(): the remembered outcome of an answer annotationUtf8() accepted
    ///   before, or nullptr (not seen, or INVALID: such answers take annotationUtf8() every
    ///   time); valid until the next call of annotationUtf8();
    /// - annotationKnown(): stores a row as annotationUtf8() stores one whose answer it knows.
    qint64 annotatorUtf8(QByteArrayView annotatorName);
    const CachedAnswer* knownAnswerUtf8(QByteArrayView rawLabel) { return m_answerBytes.find(viewOf(rawLabel)); }
    void annotationKnown(qint64 itemId, qint64 annotatorId, const CachedAnswer& answer)
    {
        addAnnotation(itemId, annotatorId, answer.labelId, answer.storedRaw, QString(), std::nullopt);
        ++m_report.annotations;
    }

    /// Writes out what the target buffered; call after the data file (a duplicate found there is
    /// reported with the line that added it).
    void finish();

    void gold(qint64 itemId, const QString& label);
    /// Declares a label (jsonl "label_set"), so that label order survives a round trip.
    void declareLabel(const QString& label) { strictLabel(label, "declared"); }
    /// Closes the label set (after a jsonl "label_set"): unknown labels become INVALID, and the
    /// declared labels come first in the declared order (model/store/labelorder.h).
    void closeLabelSet(const QStringList& declaredOrder);
    void humanCount(qint64 itemId, const QString& label, qint64 count);
    void finishItemCounts() { ++m_report.humanCounts; }

    /// Reads a label map file ("raw,label") into the normaliser.
    void loadLabelMap(const QString& file);
    /// Imports a gold file ("item,label"; header optional).
    void importGoldFile(const QString& file);

    void checkCanceled(qint64 done, qint64 total);
    AnnotatorKind defaultKind() const { return m_options.kind; }
    const ImportOptions& options() const { return m_options; }
    ImportReport& report() { return m_report; }

private:
    /// Item ext id -> id of every item known, including those itemUtf8() added (which it
    /// keeps in m_itemBytes and hands over here only when something asks).
    const QHash<QString, qint64>& itemIds() const
    {
        for (auto& [extId, id] : m_pendingItems)
            m_items.insert(extId, id);
        m_pendingItems.clear();
        return m_items;
    }
    qint64 strictLabel(const QString& raw, const char* what);
    /// Reads a two-column CSV (label map, gold), skipping a recognised header on line 1.
    /// A row that fast (when given) returns true for, with its two fields as UTF-8 bytes, is
    /// done; any other goes to handle.
    void readTwoColumnCsv(const QString& file, const QString& columns,
                          const std::function<bool(const QStringList&)>& isHeader,
                          const std::function<void(const QStringList&)>& handle,
                          const std::function<bool(QByteArrayView, QByteArrayView)>& fast = {});
    qint64 labelId(const QString& name);
    /// Label id a raw string maps to (setting *name to the label), or -1 for INVALID. Known
    /// answers are cached by raw string: the same few strings repeat a million times.
    qint64 knownLabel(const QString& raw, QString* name);
    /// Runs a target call, reporting a storage failure with the file and line.
    template <typename F>
    auto stored(F&& f) -> decltype(f())
    {
        try {
            return f();
        } catch (const Error& e) {
            fail(e.message());
        }
    }
    QStringList targetLabelNames();
    /// addAnnotation() through the duplicate handling: a duplicate found at once or when the
    /// target writes its buffer fails with the file and line of the row that added it.
    void addAnnotation(qint64 itemId, qint64 annotatorId, qint64 labelId, const QString& raw, const QString& probs,
                       std::optional<double> score);
    [[noreturn]] void failDuplicate(qint64 sequence);

    ImportTarget& m_target;
    const ImportOptions& m_options;
    ImportReport& m_report;
    LabelNormalizer m_norm;
    QHash<QString, qint64> m_annotators, m_labels;
    mutable QHash<QString, qint64> m_items;  // see itemIds()
    // Items itemUtf8() added and m_items has not taken yet. While m_itemBytes holds every item
    // (no item known before the import, none added by item()), a miss there is a new item,
    // without a look-up in m_items.
    mutable std::vector<std::pair<QString, qint64>> m_pendingItems;
    bool m_itemBytesComplete = false;
    QHash<QString, bool> m_fullRecordSeen;
    QSet<qint64> m_importItems;  // items the data file named (only with an items file)
    bool m_trackItems = false;
    struct CachedLabel
    {
        qint64 id;
        QString name;
    };
    QHash<QString, CachedLabel> m_known;  // raw string -> label it maps to
    QString m_lastItem;                   // long-csv rows of one item come together
    qint64 m_lastItemId = 0;
    // The byte-keyed caches of itemUtf8() / annotationUtf8() / importGoldFile().
    template <typename V>
    using ByteMap = ByteKeyMap<V>;
    struct CachedAnnotator
    {
        qint64 id;
        QString name;
    };
    static std::string_view viewOf(QByteArrayView b) { return {b.data(), static_cast<size_t>(b.size())}; }
    // Where each of the last ImportTarget::maxBuffered() annotations came from, by
    // addAnnotation() sequence (a ring, grown as rows come; up to 2^20 rows of 32 bytes).
    struct RowOrigin
    {
        qint64 line;
        qint64 item;
        qint64 annotator;
        qint32 file;  // index into m_originFiles
    };
    std::vector<RowOrigin> m_origins;
    qint64 m_ring = 0;  // m_target.maxBuffered()
    QStringList m_originFiles;
    qint64 m_sequence = 0;
    ByteMap<qint64> m_itemBytes;
    ByteMap<CachedAnnotator> m_annotatorBytes;
    ByteMap<CachedAnswer> m_answerBytes;
    std::string m_lastItemBytes;
    qint64 m_lastItemBytesId = -1;
    QString m_file;
    qint64 m_line = 0;
    qint64 m_sinceCheck = 0;
};

} // namespace chorus::model
