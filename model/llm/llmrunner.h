#pragma once
// Collects labels from an OpenAI-compatible chat-completions endpoint (llama.cpp server, vLLM,
// Ollama, hosted APIs) and stores every answer as it arrives.
//
// runLlmLabeling() is synchronous: it runs its own event loop on the calling thread (a worker
// thread in the GUI, the main thread in chorus-cli) with its own ProjectStore connection. It
// keeps up to config.concurrency requests in flight, spaces request starts by the rate limit,
// retries 429/5xx/timeouts/network errors/malformed responses with exponential backoff
// (honouring Retry-After), and stops launching requests when the budget would be exceeded.
// Each answer is committed in its own transaction (annotation + llm_answers row with tokens and
// cost) before progress reports it, so a crash or a cancel loses at most the requests in
// flight, and a rerun skips every item already answered. The API key is read from the
// environment variable named in the configuration, sent only in the Authorization header, and
// removed from every message this module produces.

#include "jobresult.h"
#include "llmconfig.h"

#include <QFuture>
#include <QThreadPool>

#include <QString>
#include <QStringList>

#include <functional>
#include <limits>
#include <vector>

namespace chorus::model {

class ProjectStore;

struct LlmProgress
{
    qint64 total = 0;        ///< answers this run asks for (items x variants still missing)
    qint64 sent = 0;         ///< HTTP requests sent so far, retries included
    qint64 done = 0;         ///< answers stored
    qint64 failed = 0;       ///< requests given up on (not stored; a rerun retries them)
    qint64 invalid = 0;      ///< stored answers that map to no label
    qint64 retries = 0;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    double cost = 0;         ///< money spent by this run (same unit as the prices)
};

struct LlmRunOptions
{
    /// Items to label (database ids); empty = every item.
    std::vector<qint64> itemIds;
    /// Stop launching requests once spent + the worst case of the next request would exceed
    /// this (same unit as the prices). Infinity = no cap.
    /// The budget is per run: money spent by earlier runs does not count.
    double budget = std::numeric_limits<double>::infinity();
    /// The configuration's name may be that of an annotator the connector did not create (an
    /// imported one): the answers are then added to it. Without this such a run is refused
    /// (Error), so that imported answers never silently get an LLM configuration as provenance.
    bool appendToExisting = false;
    std::function<bool()> isCanceled;
    /// Called on the calling thread after every stored answer or failure.
    std::function<void(const LlmProgress&)> progress;
    /// Retries and failures, one line each (API key removed).
    std::function<void(const QString&)> log;
};

struct LlmRunReport
{
    LlmProgress totals;
    qint64 skipped = 0;     ///< item-variants already answered before this run
    bool canceled = false;
    bool budgetReached = false;
    /// At a budget stop: the worst-case cost of the requests then in flight (reserved, not
    /// spent), and the answers left unasked (a rerun asks them).
    double budgetReserved = 0;
    qint64 budgetInFlight = 0;
    qint64 notAsked = 0;
    QString fatalError;     ///< the run stopped early (authentication, unreachable endpoint, ...)
    QStringList failures;   ///< the first 20 per-request failures
};

/// Runs the annotator over the project. Throws Error when the run cannot start (project,
/// configuration, empty label set, a name taken by an imported annotator without
/// appendToExisting); problems during the run end up in the report. The annotator (and its
/// stored configuration) is created with the first stored answer, so a run that stores nothing
/// leaves no empty annotator behind.
/// Connection failures (refused, host not found) hold every request for the backoff and let
/// one request at a time probe the endpoint; after concurrency + 2 of them in a row with no
/// HTTP answer in between the run stops with one fatal error.
LlmRunReport runLlmLabeling(const QString& projectPath, const LlmConfig& config, const LlmRunOptions& options);

/// "120 of 400 answered, 2 failed · 45,678 tokens · spent 0.1234 · 3 retries"
QString llmProgressText(const LlmProgress& p);

/// runLlmLabeling on a worker thread. Progress range = requests; progress text =
/// llmProgressText. Canceling the future stops the run (answers so far stay stored); the
/// result then is dropped by QPromise, so re-read the project for what was stored.
/// log is called on the worker thread (forward it to the GUI thread with a queued call).
/// appendToExisting: LlmRunOptions::appendToExisting.
QFuture<JobResult<LlmRunReport>> llmLabelAsync(QThreadPool* pool, const QString& projectPath, LlmConfig config,
                                               std::vector<qint64> itemIds, double budget,
                                               std::function<void(const QString&)> log = {},
                                               bool appendToExisting = false);

/// Per LLM annotator: what the connector stored (for `chorus-cli info`, the dashboard and the
/// dialog).
struct LlmAnnotatorSummary
{
    QString name;
    QString model;
    qint64 answers = 0;  ///< stored answers, both option orders counted
    qint64 invalid = 0, promptTokens = 0, completionTokens = 0;
    double cost = 0;
    qint64 orderPairs = 0;      ///< items asked in both option orders
    qint64 orderDependent = 0;  ///< of those, items whose two answers differ
};
QList<LlmAnnotatorSummary> llmSummaries(ProjectStore& store);

/// Whether `name` is free, an LLM annotator of the connector (it has a stored configuration),
/// or an annotator that came from elsewhere (an import): runLlmLabeling refuses the last unless
/// appendToExisting. importedAnswers: that annotator's stored answers.
enum class LlmNameUse { Free, Connector, Imported };
LlmNameUse llmNameUse(ProjectStore& store, const QString& name, qint64* importedAnswers = nullptr);

/// The configurations of the project's LLM annotators (as stored by their last run, name as the
/// project now has it), most recently used first. Entries that no longer parse are skipped.
QList<LlmConfig> llmStoredConfigs(ProjectStore& store);

/// The item ids a rerun would still ask for (no stored answer for some variant).
std::vector<qint64> llmPendingItems(ProjectStore& store, const LlmConfig& config,
                                    const std::vector<qint64>& itemIds);

} // namespace chorus::model
