#pragma once
// chorus-cli: command dispatch. Each command parses its own options; errors go to stderr with
// a non-zero exit code and --json output is the only thing on stdout.

#include "importer.h"
#include "projectstore.h"
#include "snapshot.h"

#include "aggregation.h"

#include <QCommandLineParser>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <memory>

namespace chorus::cli {

/// Exit codes.
inline constexpr int kOk = 0;
inline constexpr int kError = 1;
inline constexpr int kUsage = 2;
/// decide / sync on a server project: the decision waits in the local journal (server unreachable).
inline constexpr int kQueued = 3;

/// Thrown for a command-line mistake (exit code 2).
struct UsageError
{
    QString message;
};

/// Thrown after --help was printed (exit code 0).
struct HelpShown
{
};

/// Parses args (args[0] = "chorus-cli <command>") or throws UsageError; handles --help.
void parseOrThrow(QCommandLineParser& parser, const QStringList& args, const QString& synopsis);

/// Writes UTF-8 text to stdout / stderr.
void out(const QByteArray& text);
void err(const QString& text);

/// The data an analysis command works on: a project (--project P), or a data file (--input
/// FILE, with --format/--gold/--label-map/...) read straight into memory by the import parsers
/// (model::readFileData: same validation and errors as import, no database).
class Source
{
public:
    model::Snapshot snapshot;

    bool isProject() const { return m_store != nullptr; }
    /// The team's reviewers were added to the snapshot's annotators (--reviewers,
    /// --with-reviewers); they have no rows in the project's annotators table.
    bool withReviewers() const { return m_reviewers; }
    /// The project. With --input, throws UsageError saying that `what` needs --project (runs
    /// are stored in projects only).
    model::ProjectStore& project(const QString& what);
    /// One annotator's reported probabilities (model::loadAnnotatorProbabilities).
    model::ProbabilityTable probabilities(int32_t annotator);

private:
    friend Source openSource(const QCommandLineParser& parser);
    std::unique_ptr<model::ProjectStore> m_store;
    std::shared_ptr<const model::MemoryImportTarget> m_rows;
    bool m_reviewers = false;
};

/// The aggregation methods' names (agg::methodNames()), for option help and checks.
QStringList methodNameList();

/// Adds --project and --input with the import options to the parser.
void addSourceOptions(QCommandLineParser& parser);
/// Opens --project P or reads --input FILE (exactly one must be given).
Source openSource(const QCommandLineParser& parser);

/// Reads "item,label" (header optional) into a per-item vector of label indices of s (-1 for
/// items the file does not mention). Throws model::Error on an unknown item or label.
std::vector<int32_t> readItemLabels(const QString& file, const model::Snapshot& s);

/// Reads "annotator,NUMBER" rows (header optional) into (annotator index in s, number) pairs,
/// in file order. Throws model::Error naming file and line on a row that is not an annotator
/// and a finite number >= 0 ("expected annotator,`column` with a `noun` >= 0") or names an
/// unknown annotator.
std::vector<std::pair<qsizetype, double>> readAnnotatorNumbers(const QString& file, const model::Snapshot& s,
                                                               const QString& column, const QString& noun);

/// The --param key=value options into in.params ("ties" by name: first, random, unresolved);
/// returns them as recorded in a run's parameters. Throws UsageError on a malformed value.
nlohmann::ordered_json readMethodParams(const QCommandLineParser& p, agg::AggregationInput& in);

int cmdImport(const QStringList& args);
int cmdInfo(const QStringList& args);
int cmdExport(const QStringList& args);
int cmdAggregate(const QStringList& args);
int cmdAgreement(const QStringList& args);
int cmdEvaluate(const QStringList& args);
int cmdDivergence(const QStringList& args);
int cmdSelect(const QStringList& args);
int cmdSimulate(const QStringList& args);
int cmdRank(const QStringList& args);
int cmdJudges(const QStringList& args);
int cmdLabel(const QStringList& args);
int cmdProjects(const QStringList& args);
int cmdPush(const QStringList& args);
int cmdPull(const QStringList& args);
int cmdTeam(const QStringList& args);
int cmdClaim(const QStringList& args);
int cmdDecide(const QStringList& args);
int cmdRelease(const QStringList& args);
int cmdProgress(const QStringList& args);
int cmdTeamSettings(const QStringList& args);
int cmdSync(const QStringList& args);
int cmdCrowd(const QStringList& args);
int cmdCalibration(const QStringList& args);
int cmdAdjudicate(const QStringList& args);

// Shared by the team commands (cli_team.cpp): --project P and --json; the project argument
// (UsageError when missing); an item's id from its external id (Error naming the project).
void addProjectOption(QCommandLineParser& p);
QString projectArg(const QCommandLineParser& p);
qint64 itemByExtId(model::ProjectStore& store, const QString& extId);

} // namespace chorus::cli
