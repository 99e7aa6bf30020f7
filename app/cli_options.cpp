// The options the commands share (cli_options.h).

#include "cli_options.h"

#include <cmath>

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

bool NumberRange::contains(double v) const
{
    return std::isfinite(v) && (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max);
}

QString NumberRange::text() const
{
    const bool low = std::isfinite(min), high = std::isfinite(max);
    if (low && high)
        return QStringLiteral("a number in %1%2, %3%4")
            .arg(minOpen ? QLatin1Char('(') : QLatin1Char('['))
            .arg(min)
            .arg(max)
            .arg(maxOpen ? QLatin1Char(')') : QLatin1Char(']'));
    if (low)
        return QStringLiteral("a number %1 %2").arg(minOpen ? QStringLiteral(">") : QStringLiteral(">=")).arg(min);
    if (high)
        return QStringLiteral("a number %1 %2").arg(maxOpen ? QStringLiteral("<") : QStringLiteral("<=")).arg(max);
    return QStringLiteral("a number");
}

namespace {

[[noreturn]] void refuse(const QCommandLineParser& p, const QString& name, const QString& what)
{
    throw UsageError{QStringLiteral("--%1 takes %2, got \"%3\"").arg(name, what, p.value(name))};
}

// --name read by convert (QString::toLongLong, ...), refused as `what` when it does not read.
template <typename T>
T wholeNumber(const QCommandLineParser& p, const QString& name, T (QString::*convert)(bool*, int) const,
              const QString& what)
{
    bool ok = false;
    const T v = (p.value(name).*convert)(&ok, 10);
    if (!ok)
        refuse(p, name, what);
    return v;
}

} // namespace

double numberOption(const QCommandLineParser& p, const QString& name, const NumberRange& range)
{
    bool ok = false;
    const double v = p.value(name).toDouble(&ok);
    if (!ok || !range.contains(v))
        refuse(p, name, range.text());
    return v;
}

int intOption(const QCommandLineParser& p, const QString& name, int min, int max)
{
    bool ok = false;
    const int v = p.value(name).toInt(&ok);
    if (ok && v >= min && v <= max)
        return v;
    constexpr int lowest = std::numeric_limits<int>::min(), highest = std::numeric_limits<int>::max();
    if (min != lowest && max != highest)
        refuse(p, name, QStringLiteral("a whole number from %1 to %2").arg(min).arg(max));
    if (min != lowest)
        refuse(p, name, QStringLiteral("a whole number >= %1").arg(min));
    if (max != highest)
        refuse(p, name, QStringLiteral("a whole number <= %1").arg(max));
    refuse(p, name, QStringLiteral("a whole number"));
}

qint64 runOption(const QCommandLineParser& p)
{
    return wholeNumber(p, QStringLiteral("run"), &QString::toLongLong, QStringLiteral("a run id"));
}

uint64_t seedOption(const QCommandLineParser& p)
{
    return wholeNumber(p, QStringLiteral("seed"), &QString::toULongLong, QStringLiteral("a whole number >= 0"));
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
