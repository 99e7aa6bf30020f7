#pragma once
// Exporting the curated dataset (jsonl, csv: with the reviewer's current note and, on request,
// the whole decision history) and the raw annotations (long-csv, wide-csv).
// Files are written to a temporary file and renamed: an interrupted export never leaves a
// half-written file under the target name.

#include "projectstore.h"

#include <cmath>
#include <functional>

namespace chorus::model {

QStringList exportFormats();  ///< "jsonl", "csv", "long-csv", "wide-csv"

struct ExportOptions
{
    QString format;  ///< empty: from the extension (.jsonl/.json -> jsonl, .csv -> csv)
    qint64 runId = 0;  ///< aggregation run giving consensus labels; 0 = latest, or mv if none
    bool reviewedOnly = false;
    double minConfidence = -1;  ///< keep items whose final-label confidence >= this
    bool excludeFlagged = false;
    bool excludeInvalid = false;  ///< drop items without a valid final label
    /// Soft label written with each item: "" none, "posterior" (the run's), "human" (human
    /// judgment distribution, where counts exist), "calibrated" (the run's posterior after
    /// temperature scaling fitted on the selection gold, see calibrationFraction; an Error when
    /// no item has gold).
    QString soft;
    /// soft = "calibrated": the temperature is fitted (agg::fitTemperature, Guo et al. 2017) on
    /// the selection slice of the gold items, agg::splitGold(gold, calibrationFraction,
    /// calibrationSeed): the same slice as `chorus-cli calibration --temperature` with the same
    /// --select-fraction and --seed. 1 = every gold item.
    double calibrationFraction = 0.2;
    uint64_t calibrationSeed = 0;
    bool annotatorLabels = true;  ///< jsonl/csv: include every annotator's label
    /// jsonl/csv: add each item's whole decision history, oldest first (jsonl: a "history"
    /// array; csv: a "history" column holding the same array as JSON text). The current note is
    /// always written ("note"). long-csv and wide-csv carry answers only: history is refused.
    bool history = false;
    std::function<bool()> isCanceled;
    std::function<void(qint64 done, qint64 total)> progress;
};

struct ExportReport
{
    QString format;
    qint64 items = 0;
    qint64 skipped = 0;  ///< items dropped by the filters
    QString consensus;  ///< "run 3 (ds)" or "mv (computed)"
    /// soft = "calibrated": the fitted temperature and the gold items it was fitted on (else NaN, 0).
    double temperature = std::nan("");
    qint64 calibrationItems = 0;
};

/// Throws Error or CanceledError; in both cases the target file is untouched.
ExportReport exportProject(ProjectStore& store, const QString& out, const ExportOptions& options = {});

} // namespace chorus::model
