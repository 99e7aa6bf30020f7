#pragma once
// Writers of the individual export formats. exportProject() (exporter.cpp) picks one writer per
// export, selects and filters the items, works out their final and soft labels, and owns the
// output file (temporary file, then rename); a writer only turns the selected items into the
// bytes of its format.

#include "exporter.h"
#include "runstore.h"
#include "snapshot.h"

#include <QByteArray>
#include <QHash>

#include <nlohmann/json.hpp>

#include <cmath>
#include <memory>
#include <vector>

namespace chorus::model::formats {

/// The label an item is exported with and where it came from (docs/project-format.md, "The
/// final label of an item").
struct FinalLabel
{
    int32_t label = -1;  ///< snapshot label index, -1 = none
    QString source;      ///< "override", "unanimous", "aggregate:<method>"; empty when none
    double confidence = std::nan("");  ///< NaN when there is no final label
};

/// One item that passed the filters.
struct ExportItem
{
    int32_t index = 0;  ///< item index in the snapshot
    FinalLabel final;
    std::vector<double> soft;  ///< soft label, one value per snapshot label; empty = none
};

/// What every writer may read; lives for the whole export.
struct ExportContext
{
    const Snapshot& snapshot;
    const RunData& run;  ///< the consensus run
    const ExportOptions& options;
    /// Decision histories by item id (oldest first) when options.history; otherwise empty.
    const QHash<qint64, QList<Decision>>& history;
    /// soft = "calibrated": the temperature and how many gold items it was fitted on (the jsonl
    /// export states them on its first record); null otherwise.
    const ExportReport* calibration = nullptr;
};

/// One export format. Called in this order: load() once, header() once, item() per selected
/// item in project order. Output is appended to out; the caller writes it to the file.
class ExportWriter
{
public:
    explicit ExportWriter(const ExportContext& context) : m_ctx(context) {}
    virtual ~ExportWriter() = default;
    ExportWriter(const ExportWriter&) = delete;
    ExportWriter& operator=(const ExportWriter&) = delete;

    /// Reads what the format needs beyond the snapshot (on the exporting thread's store).
    virtual void load(ProjectStore& store) { Q_UNUSED(store); }
    virtual void header(QByteArray& out) { Q_UNUSED(out); }
    virtual void item(const ExportItem& item, QByteArray& out) = 0;

protected:
    const ExportContext& m_ctx;
};

std::unique_ptr<ExportWriter> jsonlWriter(const ExportContext& context);
std::unique_ptr<ExportWriter> csvWriter(const ExportContext& context);
std::unique_ptr<ExportWriter> longCsvWriter(const ExportContext& context);
std::unique_ptr<ExportWriter> wideCsvWriter(const ExportContext& context);

/// An annotation's label as the CSV and JSON formats write it: its name, or INVALID.
QString labelText(const Snapshot& s, int32_t label);

/// The current note of item i (that of its latest decision); empty when none.
QString currentNote(const Snapshot& s, int32_t i);

/// The decision history of item i as written by jsonl and csv: an array, oldest first, of
/// {"created_at", "author", "action", "label" (null for none), "status", "note" ("" for none)}.
/// [] when the item has no decisions.
nlohmann::ordered_json historyJson(const ExportContext& context, int32_t i);

} // namespace chorus::model::formats
