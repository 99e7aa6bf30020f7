// Import benchmark: 1,000,000 annotations (100,000 items x 10 LLMs, 5 labels, short texts),
// written as long-csv and as jsonl, each imported into a new project with importFile().
// Prints wall time, peak RSS during the import (VmHWM, reset before each import through
// /proc/self/clear_refs) and the size of the input file.
//
//   ./build/bench/bench_import                 # the full case
//   ./build/bench/bench_import --items 10000   # a smaller case (e.g. under callgrind)
//   ./build/bench/bench_import --format jsonl  # one format only
//
// Each import runs in a child process of this program (--import-only FILE), so that its peak
// RSS is its own and not what the generator or the previous import left on the heap. With
// --format the import runs in-process (handy under valgrind).
//
// The target of issue 2 is under 10 s per import on the 2-core development machine.

#include "importer.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdio>
#include <random>

using namespace chorus::model;

namespace {

constexpr int kAnnotators = 10;
const char* const kLabels[] = {"positive", "negative", "neutral", "mixed", "off_topic"};
const char* const kModels[kAnnotators] = {"gpt-4o",     "gpt-4o-mini", "claude-3.5-sonnet", "claude-3-haiku",
                                          "llama-3-70b", "llama-3-8b",  "mistral-7b",       "gemma-2-9b",
                                          "qwen2-7b",    "phi-3-mini"};
const char* const kWords[] = {"the",   "app",   "keeps", "crashing", "when", "I",     "open",  "my",
                              "order", "great", "support", "thanks", "slow", "refund", "still", "waiting"};

// What one annotator said about one item: mostly a clean label, sometimes a raw variant the
// normaliser has to fold ("Positive.", " negative\n"), rarely an unmappable output (INVALID).
std::string rawLabel(std::mt19937_64& rng, int truth, int annotator)
{
    std::uniform_real_distribution<double> u(0, 1);
    const double accuracy = 0.55 + 0.04 * annotator;
    int l = truth;
    if (u(rng) > accuracy)
        l = static_cast<int>(rng() % 5);
    const double r = u(rng);
    std::string s = kLabels[l];
    if (r < 0.01)
        return "I cannot answer that";
    if (r < 0.04) {
        s[0] = static_cast<char>(std::toupper(s[0]));
        return s + ".";
    }
    if (r < 0.06) {
        s.insert(s.begin(), ' ');
        s.push_back('\n');
    }
    return s;
}

std::string text(std::mt19937_64& rng)
{
    std::string t;
    const int n = 6 + static_cast<int>(rng() % 8);
    for (int w = 0; w < n; ++w) {
        if (w)
            t += ' ';
        t += kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))];
    }
    return t;
}

std::string jsonEscape(const std::string& s)
{
    std::string o;
    for (char c : s) {
        if (c == '"' || c == '\\')
            o += '\\', o += c;
        else if (c == '\n')
            o += "\\n";
        else
            o += c;
    }
    return o;
}

std::string csvEscape(const std::string& s)
{
    if (s.find_first_of(",\"\n") == std::string::npos)
        return s;
    std::string o = "\"";
    for (char c : s)
        o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
}

// Writes both files in one pass with the same seeded data.
void generate(const QString& csvPath, const QString& jsonlPath, int items)
{
    std::FILE* csv = std::fopen(csvPath.toLocal8Bit().constData(), "wb");
    std::FILE* jl = std::fopen(jsonlPath.toLocal8Bit().constData(), "wb");
    if (!csv || !jl) {
        std::fprintf(stderr, "cannot write the input files\n");
        std::exit(1);
    }
    std::fputs("item,annotator,label\n", csv);
    std::mt19937_64 rng(20240501);
    std::string line;
    for (int i = 0; i < items; ++i) {
        const std::string id = "item-" + std::to_string(i);
        const int truth = static_cast<int>(rng() % 5);
        line = "{\"id\":\"" + id + "\",\"text\":\"" + jsonEscape(text(rng)) + "\",\"labels\":{";
        for (int a = 0; a < kAnnotators; ++a) {
            const std::string l = rawLabel(rng, truth, a);
            const std::string row = id + "," + kModels[a] + "," + csvEscape(l) + "\n";
            std::fwrite(row.data(), 1, row.size(), csv);
            if (a)
                line += ',';
            line += '"';
            line += kModels[a];
            line += "\":\"";
            line += jsonEscape(l);
            line += '"';
        }
        line += "},\"gold\":\"" + std::string(kLabels[truth]) + "\"}\n";
        std::fwrite(line.data(), 1, line.size(), jl);
    }
    std::fclose(csv);
    std::fclose(jl);
}

qint64 statusKb(const char* field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& l : f.readAll().split('\n'))
        if (l.startsWith(field))
            return l.mid(static_cast<qsizetype>(std::strlen(field))).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

// Resets VmHWM to the current RSS (Linux >= 4.0).
bool resetPeakRss()
{
    QFile f(QStringLiteral("/proc/self/clear_refs"));
    return f.open(QIODevice::WriteOnly) && f.write("5") == 1;
}

void runOne(const QString& dir, const QString& file, const QString& format)
{
    const QString project = dir + QStringLiteral("/bench-") + format + QStringLiteral(".chorus");
    const bool reset = resetPeakRss();
    const qint64 rssBefore = statusKb("VmRSS:");
    QElapsedTimer total;
    total.start();
    ProjectStore store;
    store.open(project, ProjectStore::Mode::CreateNew);
    ImportOptions o;
    o.format = format;
    // A closed label set, as with a prompt that lists the options: unmappable outputs are
    // stored as INVALID instead of becoming new labels.
    for (const char* l : kLabels)
        o.labels << QString::fromLatin1(l);
    QElapsedTimer t;
    t.start();
    const ImportReport r = importFile(store, file, o);
    const double importSeconds = t.nsecsElapsed() / 1e9;
    store.close();
    const double totalSeconds = total.nsecsElapsed() / 1e9;
    std::printf("%-9s file %7.1f MB  import %6.2f s  (open+import+close %6.2f s)  peak RSS %6.1f MB%s  "
                "project %6.1f MB  items %lld  annotations %lld  invalid %lld\n",
                format.toUtf8().constData(), QFileInfo(file).size() / 1e6, importSeconds, totalSeconds,
                statusKb("VmHWM:") / 1024.0, reset ? "" : " (process peak; clear_refs unavailable)",
                QFileInfo(project).size() / 1e6, static_cast<long long>(r.itemsAdded),
                static_cast<long long>(r.annotations), static_cast<long long>(r.invalid));
    std::printf("          RSS before the import %.1f MB\n", rssBefore / 1024.0);
    std::fflush(stdout);
    QFile::remove(project);  // the next import should not compete for page cache
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    int items = 100000;
    QString only, importOnly;
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--items") && i + 1 < args.size())
            items = args[++i].toInt();
        else if (args[i] == QLatin1String("--format") && i + 1 < args.size())
            only = args[++i];
        else if (args[i] == QLatin1String("--import-only") && i + 1 < args.size())
            importOnly = args[++i];
        else {
            std::fprintf(stderr, "usage: bench_import [--items N] [--format long-csv|jsonl]\n");
            return 2;
        }
    }
    if (!importOnly.isEmpty()) {
        try {
            runOne(QFileInfo(importOnly).absolutePath(), importOnly, only);
        } catch (const Error& e) {
            std::fprintf(stderr, "%s\n", e.what());
            return 1;
        }
        return 0;
    }
    QTemporaryDir dir;
    if (!dir.isValid()) {
        std::fprintf(stderr, "cannot create a temporary directory\n");
        return 1;
    }
    const QString csv = dir.filePath(QStringLiteral("answers.csv"));
    const QString jsonl = dir.filePath(QStringLiteral("items.jsonl"));
    QElapsedTimer g;
    g.start();
    generate(csv, jsonl, items);
    std::printf("generated %d items x %d annotators = %lld annotations in %.1f s (%s)\n", items, kAnnotators,
                static_cast<long long>(items) * kAnnotators, g.nsecsElapsed() / 1e9,
                dir.path().toUtf8().constData());
    std::fflush(stdout);
    if (!only.isEmpty()) {
        try {
            runOne(dir.path(), only == QLatin1String("jsonl") ? jsonl : csv, only);
        } catch (const Error& e) {
            std::fprintf(stderr, "%s\n", e.what());
            return 1;
        }
        return 0;
    }
    for (const auto& [file, format] : {std::pair{csv, QStringLiteral("long-csv")}, std::pair{jsonl, QStringLiteral("jsonl")}}) {
        QProcess child;
        child.setProcessChannelMode(QProcess::ForwardedChannels);
        child.start(QCoreApplication::applicationFilePath(),
                    {QStringLiteral("--import-only"), file, QStringLiteral("--format"), format});
        if (!child.waitForFinished(-1) || child.exitStatus() != QProcess::NormalExit || child.exitCode() != 0) {
            std::fprintf(stderr, "the %s import failed\n", format.toUtf8().constData());
            return 1;
        }
    }
    return 0;
}
