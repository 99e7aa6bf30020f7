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

#include "jobs.h"
#include "llmconfig.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <limits>
#include <vector>

namespace chorus::model {

class ProjectStore;

struct LlmProgress
{
    qint64 total = 0;        ///< requests this run will make (items x variants still missing)
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
    double budget = std::numeric_limits<double>::infinity();
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
    QString fatalError;     ///< the run stopped early (authentication, unknown endpoint, ...)
    QStringList failures;   ///< the first 20 per-request failures
};

/// Runs the annotator over the project. Throws Error when the run cannot start (project,
/// configuration, empty label set); problems during the run end up in the report.
LlmRunReport runLlmLabeling(const QString& projectPath, const LlmConfig& config, const LlmRunOptions& options);

/// "120 of 400 answered, 2 failed · 45,678 tokens · spent 0.1234 · 3 retries"
QString llmProgressText(const LlmProgress& p);

/// runLlmLabeling on a worker thread. Progress range = requests; progress text =
/// llmProgressText. Canceling the future stops the run (answers so far stay stored); the
/// result then is dropped by QPromise, so re-read the project for what was stored.
/// log is called on the worker thread (forward it to the GUI thread with a queued call).
QFuture<JobResult<LlmRunReport>> llmLabelAsync(QThreadPool* pool, const QString& projectPath, LlmConfig config,
                                               std::vector<qint64> itemIds, double budget,
                                               std::function<void(const QString&)> log = {});

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

/// The item ids a rerun would still ask for (no stored answer for some variant).
std::vector<qint64> llmPendingItems(ProjectStore& store, const LlmConfig& config,
                                    const std::vector<qint64>& itemIds);

} // namespace chorus::model
