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

#include <limits>
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

/// Where an option's number must lie; the default, any finite number, leaves the range to the
/// code the value goes to. Every number option is read by numberOption(), so a refusal always
/// reads "--NAME takes <text()>, got "VALUE"".
struct NumberRange
{
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    bool minOpen = false;  ///< min itself is refused
    bool maxOpen = false;  ///< max itself is refused

    /// [v, infinity)
    static NumberRange atLeast(double v) { return {v, std::numeric_limits<double>::infinity(), false, false}; }
    /// (v, infinity)
    static NumberRange above(double v) { return {v, std::numeric_limits<double>::infinity(), true, false}; }
    /// (0, 1]
    static NumberRange share() { return {0, 1, true, false}; }
    /// (0, 1)
    static NumberRange shareBelowOne() { return {0, 1, true, true}; }

    bool contains(double v) const;
    /// "a number", "a number > 0", "a number >= 0", "a number in (0, 1]" (with noun "a number").
    QString text(const QString& noun = QStringLiteral("a number")) const;
};

/// --NAME as a finite number in range; a UsageError names the option, the range and the value.
double numberOption(const QCommandLineParser& p, const QString& name, const NumberRange& range = {});

/// --NAME as a whole number from min to max (the same kind of refusal as numberOption()).
int intOption(const QCommandLineParser& p, const QString& name, int min = std::numeric_limits<int>::min(),
              int max = std::numeric_limits<int>::max());

/// --run (or --NAME) as a saved run's id.
qint64 runOption(const QCommandLineParser& p, const QString& name = QStringLiteral("run"));

/// --seed as a non-negative integer.
uint64_t seedOption(const QCommandLineParser& p);

/// --level as a number in (0, 1).
inline double levelOption(const QCommandLineParser& p)
{
    return numberOption(p, QStringLiteral("level"), NumberRange::shareBelowOne());
}

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
