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

QString NumberRange::text(const QString& noun) const
{
    const bool low = std::isfinite(min), high = std::isfinite(max);
    if (low && high)
        return QStringLiteral("%1 in %2%3, %4%5")
            .arg(noun)
            .arg(minOpen ? QLatin1Char('(') : QLatin1Char('['))
            .arg(min)
            .arg(max)
            .arg(maxOpen ? QLatin1Char(')') : QLatin1Char(']'));
    if (low)
        return QStringLiteral("%1 %2 %3").arg(noun, minOpen ? QStringLiteral(">") : QStringLiteral(">=")).arg(min);
    if (high)
        return QStringLiteral("%1 %2 %3").arg(noun, maxOpen ? QStringLiteral("<") : QStringLiteral("<=")).arg(max);
    return noun;
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
    if (!ok || v < min || v > max) {
        constexpr double inf = std::numeric_limits<double>::infinity();
        const NumberRange range{min == std::numeric_limits<int>::min() ? -inf : min,
                                max == std::numeric_limits<int>::max() ? inf : max};
        refuse(p, name, range.text(QStringLiteral("a whole number")));
    }
    return v;
}

qint64 runOption(const QCommandLineParser& p, const QString& name)
{
    return wholeNumber(p, name, &QString::toLongLong, QStringLiteral("a run id"));
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
