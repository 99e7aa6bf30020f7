// The options the commands share (cli_options.h).

#include "cli_options.h"

namespace chorus::cli {

void parseSourceCommand(QCommandLineParser& p, const QStringList& args, const QList<QCommandLineOption>& options,
                        const QString& synopsis)
{
    addSourceOptions(p);
    p.addOptions(options);
    parseOrThrow(p, args, synopsis);
}

void parseProjectCommand(QCommandLineParser& p, const QStringList& args, const QList<QCommandLineOption>& options,
                         const QString& synopsis)
{
    addProjectOption(p);
    p.addOptions(options);
    parseOrThrow(p, args, synopsis);
}

QStringList parsePositionals(QCommandLineParser& p, const QStringList& args, const QList<QCommandLineOption>& options,
                             const QList<Positional>& positionals, const QString& synopsis)
{
    p.addOptions(options);
    QStringList names;
    for (const Positional& a : positionals) {
        p.addPositionalArgument(a.name, a.description);
        names << a.name;
    }
    parseOrThrow(p, args, synopsis);
    if (p.positionalArguments().size() != positionals.size())
        throw UsageError{QStringLiteral("expected ") + names.join(QStringLiteral(" and "))};
    return p.positionalArguments();
}

void rejectPositionals(const QCommandLineParser& p)
{
    if (!p.positionalArguments().isEmpty())
        throw UsageError{QStringLiteral("unexpected argument \"%1\"").arg(p.positionalArguments()[0])};
}

int intOption(const QCommandLineParser& p, const QString& name, int min)
{
    bool ok = false;
    const int v = p.value(name).toInt(&ok);
    if (!ok || v < min)
        throw UsageError{QStringLiteral("--%1 takes an integer >= %2").arg(name).arg(min)};
    return v;
}

uint64_t seedOption(const QCommandLineParser& p)
{
    bool ok = false;
    const uint64_t seed = p.value(QStringLiteral("seed")).toULongLong(&ok);
    if (!ok)
        throw UsageError{QStringLiteral("--seed takes a non-negative integer")};
    return seed;
}

double levelOption(const QCommandLineParser& p)
{
    bool ok = false;
    const double level = p.value(QStringLiteral("level")).toDouble(&ok);
    if (!ok || !(level > 0 && level < 1))
        throw UsageError{QStringLiteral("--level takes a number in (0, 1)")};
    return level;
}

void checkMethod(const QString& method, const QStringList& known)
{
    if (!known.contains(method))
        throw UsageError{QStringLiteral("unknown method \"%1\" (known: %2)").arg(method, known.join(QStringLiteral(", ")))};
}

std::vector<std::string> parseMethods(const QString& list, const QStringList& known)
{
    std::vector<std::string> methods;
    for (const QString& m : list.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        checkMethod(m, known);
        methods.push_back(m.toStdString());
    }
    return methods;
}

std::vector<int32_t> goldOption(const QCommandLineParser& p, const model::Snapshot& s)
{
    if (p.isSet(QStringLiteral("gold")) && p.isSet(QStringLiteral("project")))
        return readItemLabels(p.value(QStringLiteral("gold")), s);
    return s.gold;
}

} // namespace chorus::cli
