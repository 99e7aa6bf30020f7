#pragma once
// The command-line options the commands share, in one place (issue #22): how a command's parser
// is set up and parsed (the analysis commands' --project/--input, the team commands' --project,
// positional arguments), the options several commands declare (value name and default here;
// the help line stays the command's where its meaning differs, e.g. what --seed seeds), and how
// their values are read and checked, with the same UsageError text in every command.

#include "cli.h"

#include "errors.h"

#include <QCommandLineOption>
#include <QList>

#include <stdexcept>
#include <string>
#include <vector>

namespace chorus::cli {

// Setting up and parsing a command line ----------------------------------------------------------

/// An analysis command: --project/--input with the import options (addSourceOptions), then
/// `options`, in that order in its --help; parsed by parseOrThrow().
void parseSourceCommand(QCommandLineParser& p, const QStringList& args, const QList<QCommandLineOption>& options,
                        const QString& synopsis);

/// A team command: --project P and --json (addProjectOption), then `options`; parsed by
/// parseOrThrow().
void parseProjectCommand(QCommandLineParser& p, const QStringList& args, const QList<QCommandLineOption>& options,
                         const QString& synopsis);

/// A positional argument: its name and its help line.
struct Positional
{
    QString name, description;
};

/// A command of positional arguments (with `options`): parses and returns exactly as many
/// values as `positionals` names, or throws UsageError "expected A and B".
QStringList parsePositionals(QCommandLineParser& p, const QStringList& args, const QList<QCommandLineOption>& options,
                             const QList<Positional>& positionals, const QString& synopsis);

/// UsageError "unexpected argument" for the first positional argument, if any.
void rejectPositionals(const QCommandLineParser& p);

// Options several commands declare ----------------------------------------------------------------

namespace opt {

/// The methods crowd and calibration run when --methods is not given.
inline const QString kDefaultMethods = QStringLiteral("mv,wawa,ds,onecoin,mace");

/// --json.
inline QCommandLineOption json(const QString& help = QStringLiteral("Print the result as JSON."))
{
    return {QStringLiteral("json"), help};
}

/// --seed N, default 0 (read with seedOption()).
inline QCommandLineOption seed(const QString& help)
{
    return {QStringLiteral("seed"), help, QStringLiteral("N"), QStringLiteral("0")};
}

/// --param k=v, repeatable (read with readMethodParams()).
inline QCommandLineOption param(const QString& help)
{
    return {QStringLiteral("param"), help, QStringLiteral("k=v")};
}

/// --methods LIST, comma-separated (read with parseMethods()); no default when defaultList is
/// empty (QCommandLineOption takes an empty default as none).
inline QCommandLineOption methods(const QString& help, const QString& defaultList = {})
{
    return {QStringLiteral("methods"), help, QStringLiteral("LIST"), defaultList};
}

/// --select-fraction F, default 0.2: the share of the gold items a choice or a fit is made on.
inline QCommandLineOption selectFraction(const QString& help)
{
    return {QStringLiteral("select-fraction"), help, QStringLiteral("F"), QStringLiteral("0.2")};
}

/// --bootstrap B, default 1000 (read with intOption()).
inline QCommandLineOption bootstrap(const QString& help)
{
    return {QStringLiteral("bootstrap"), help, QStringLiteral("B"), QStringLiteral("1000")};
}

/// --level L, default 0.95 (read with levelOption()).
inline QCommandLineOption level(const QString& help)
{
    return {QStringLiteral("level"), help, QStringLiteral("L"), QStringLiteral("0.95")};
}

/// --include-invalid.
inline QCommandLineOption includeInvalid(const QString& help)
{
    return {QStringLiteral("include-invalid"), help};
}

} // namespace opt

// Reading option values --------------------------------------------------------------------------

/// --NAME as an integer >= min.
int intOption(const QCommandLineParser& p, const QString& name, int min);

/// --seed as a non-negative integer.
uint64_t seedOption(const QCommandLineParser& p);

/// --level as a number in (0, 1).
double levelOption(const QCommandLineParser& p);

/// UsageError "unknown method" unless `method` is one of `known` (methodNameList()).
void checkMethod(const QString& method, const QStringList& known);

/// A comma-separated list of methods, each checked by checkMethod(), in the order given.
std::vector<std::string> parseMethods(const QString& list, const QStringList& known);

/// The gold labels an analysis works against: a project's, replaced by --gold FILE when it is
/// given with --project (with --input, the import read --gold into the snapshot).
std::vector<int32_t> goldOption(const QCommandLineParser& p, const model::Snapshot& s);

/// Prints a command's result with its writer for --json, or else with its text writer; kOk.
template <typename Result>
int printResult(const QCommandLineParser& p, const Result& result, void (*json)(const Result&),
                void (*text)(const Result&))
{
    if (p.isSet(QStringLiteral("json")))
        json(result);
    else
        text(result);
    return kOk;
}

/// fn(), with the aggregation library's std::invalid_argument (bad data or parameters for a
/// method) turned into a model::Error (exit code 1).
template <typename F>
auto checked(F&& fn) -> decltype(fn())
{
    try {
        return fn();
    } catch (const std::invalid_argument& e) {
        throw model::Error(QString::fromUtf8(e.what()));
    }
}

} // namespace chorus::cli
