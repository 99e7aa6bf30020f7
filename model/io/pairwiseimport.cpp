#include "pairwiseimport.h"

#include "csvreader.h"
#include "errors.h"

#include <QFile>
#include <QHash>

#include <nlohmann/json.hpp>

#include <cmath>

namespace chorus::model {

LikertMapping LikertMapping::parse(const QString& spec)
{
    LikertMapping m;
    m.outcome.fill(-1);
    const auto bad = [&](const QString& why) {
        return Error(QStringLiteral("Likert mapping \"%1\": %2 (expected e.g. 1-3=a,4-5=tie,6-8=b)").arg(spec, why));
    };
    for (const QString& partRaw : spec.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString part = partRaw.trimmed();
        const qsizetype eq = part.indexOf(QLatin1Char('='));
        if (eq <= 0)
            throw bad(QStringLiteral("\"%1\" has no '='").arg(part));
        const QString range = part.left(eq).trimmed(), what = part.mid(eq + 1).trimmed().toLower();
        int8_t o;
        if (what == QLatin1String("a") || what == QLatin1String("model_a"))
            o = 0;
        else if (what == QLatin1String("b") || what == QLatin1String("model_b"))
            o = 1;
        else if (what == QLatin1String("tie"))
            o = 2;
        else
            throw bad(QStringLiteral("unknown outcome \"%1\"").arg(what));
        const QStringList ends = range.split(QLatin1Char('-'));
        bool ok1 = false, ok2 = false;
        const int lo = ends.value(0).toInt(&ok1);
        const int hi = ends.size() == 2 ? ends[1].toInt(&ok2) : lo;
        if (ends.size() > 2 || !ok1 || (ends.size() == 2 && !ok2) || lo < 1 || hi > 8 || lo > hi)
            throw bad(QStringLiteral("bad score range \"%1\" (scores are 1-8)").arg(range));
        for (int s = lo; s <= hi; ++s)
            m.outcome[s] = o;
    }
    return m;
}

namespace {

/// Collects rows into PairwiseData, validating each field.
class Builder
{
public:
    Builder(const QString& name, const PairwiseImportOptions& options) : m_name(name), m_options(options) {}

    Error error(qint64 line, const QString& what) const
    {
        return Error(QStringLiteral("%1:%2: %3").arg(m_name).arg(line).arg(what));
    }

    /// Field values by key; missing keys are empty strings.
    void add(qint64 line, const QHash<QString, QString>& f)
    {
        const QString a = f.value(QStringLiteral("model_a")).trimmed();
        const QString b = f.value(QStringLiteral("model_b")).trimmed();
        if (a.isEmpty() || b.isEmpty())
            throw error(line, QStringLiteral("model_a and model_b must not be empty"));
        agg::Judgment j;
        j.modelA = agg::PairwiseData::intern(m_data.models, a.toStdString());
        j.modelB = agg::PairwiseData::intern(m_data.models, b.toStdString());
        const QString w = f.value(QStringLiteral("winner")).trimmed();
        const QString wl = w.toLower();
        if (wl == QLatin1String("model_a") || wl == QLatin1String("a"))
            j.outcome = agg::Outcome::A;
        else if (wl == QLatin1String("model_b") || wl == QLatin1String("b"))
            j.outcome = agg::Outcome::B;
        else if (wl == QLatin1String("tie") || wl == QLatin1String("tie (bothbad)"))
            j.outcome = agg::Outcome::Tie;
        else {
            bool ok = false;
            const double score = w.toDouble(&ok);
            const int s = static_cast<int>(score);
            if (!ok || score != s || s < 1 || s > 8)
                throw error(line, QStringLiteral("winner \"%1\" is not model_a, model_b, tie or a score 1-8").arg(w));
            if (m_options.likert.outcome[s] < 0)
                throw error(line, QStringLiteral("score %1 is not covered by the Likert mapping").arg(s));
            j.outcome = static_cast<agg::Outcome>(m_options.likert.outcome[s]);
            j.score = static_cast<int8_t>(s);
        }
        QString judge = f.value(QStringLiteral("judge")).trimmed();
        if (judge.isEmpty())
            judge = QStringLiteral("judge");
        const size_t before = m_data.judges.size();
        j.judge = agg::PairwiseData::intern(m_data.judges, judge.toStdString());
        const QString kindText = f.value(QStringLiteral("judge_kind")).trimmed().toLower();
        agg::JudgeKind kind;
        if (kindText.isEmpty())
            kind = judge.contains(QLatin1String("human"), Qt::CaseInsensitive) ? agg::JudgeKind::Human : agg::JudgeKind::Llm;
        else if (kindText == QLatin1String("human"))
            kind = agg::JudgeKind::Human;
        else if (kindText == QLatin1String("llm") || kindText == QLatin1String("model"))
            kind = agg::JudgeKind::Llm;
        else
            throw error(line, QStringLiteral("judge_kind \"%1\" is not human or llm").arg(kindText));
        if (m_data.judges.size() != before)
            m_data.judgeKinds.push_back(kind);
        else if (!kindText.isEmpty() && m_data.judgeKinds[j.judge] != kind)
            throw error(line, QStringLiteral("judge \"%1\" changes its judge_kind").arg(judge));
        const QString category = f.value(QStringLiteral("category")).trimmed();
        if (!category.isEmpty())
            j.category = agg::PairwiseData::intern(m_data.categories, category.toStdString());
        const QString item = f.value(QStringLiteral("item")).trimmed();
        if (!item.isEmpty()) {
            int32_t index = m_items.value(item, -1);
            if (index < 0) {
                index = static_cast<int32_t>(m_data.items.size());
                m_items.insert(item, index);
                m_data.items.push_back(item.toStdString());
            }
            j.item = index;
        }
        const QString first = f.value(QStringLiteral("first_shown")).trimmed();
        if (!first.isEmpty()) {
            const QString fl = first.toLower();
            if (fl == QLatin1String("model_a") || fl == QLatin1String("a") || first == a)
                j.firstShown = 0;
            else if (fl == QLatin1String("model_b") || fl == QLatin1String("b") || first == b)
                j.firstShown = 1;
            else
                throw error(line, QStringLiteral("first_shown \"%1\" is not model_a, model_b or one of the two models").arg(first));
        }
        j.lengthA = length(line, f, QStringLiteral("len_a"));
        j.lengthB = length(line, f, QStringLiteral("len_b"));
        m_data.judgments.push_back(j);
    }

    agg::PairwiseData take() { return std::move(m_data); }

private:
    double length(qint64 line, const QHash<QString, QString>& f, const QString& key) const
    {
        const QString v = f.value(key).trimmed();
        if (v.isEmpty())
            return agg::kNaN;
        bool ok = false;
        const double x = v.toDouble(&ok);
        if (!ok || !std::isfinite(x) || x < 0)
            throw error(line, QStringLiteral("%1 \"%2\" is not a length >= 0").arg(key, v));
        return x;
    }

    QString m_name;
    PairwiseImportOptions m_options;
    agg::PairwiseData m_data;
    QHash<QString, int32_t> m_items;
};

const QStringList kKeys = {QStringLiteral("model_a"),    QStringLiteral("model_b"),     QStringLiteral("winner"),
                           QStringLiteral("judge"),      QStringLiteral("category"),    QStringLiteral("item"),
                           QStringLiteral("judge_kind"), QStringLiteral("first_shown"), QStringLiteral("len_a"),
                           QStringLiteral("len_b")};

} // namespace

agg::PairwiseData readPairwise(QIODevice* device, const QString& name, bool jsonl,
                               const PairwiseImportOptions& options)
{
    Builder builder(name, options);
    if (jsonl) {
        qint64 line = 0;
        while (!device->atEnd()) {
            const QByteArray raw = device->readLine().trimmed();
            ++line;
            if (raw.isEmpty())
                continue;
            const nlohmann::json obj = nlohmann::json::parse(raw.constData(), raw.constData() + raw.size(), nullptr, false);
            if (obj.is_discarded() || !obj.is_object())
                throw builder.error(line, QStringLiteral("not a JSON object"));
            QHash<QString, QString> f;
            for (const QString& key : kKeys) {
                const auto it = obj.find(key.toStdString());
                if (it == obj.end() || it->is_null())
                    continue;
                if (it->is_string())
                    f.insert(key, QString::fromStdString(it->get<std::string>()));
                else if (it->is_number_integer())
                    f.insert(key, QString::number(it->get<int64_t>()));
                else if (it->is_number())
                    f.insert(key, QString::number(it->get<double>(), 'g', 17));
                else
                    throw builder.error(line, QStringLiteral("%1 must be a string or a number").arg(key));
            }
            if (!f.contains(QStringLiteral("winner")))
                throw builder.error(line, QStringLiteral("no \"winner\""));
            builder.add(line, f);
        }
        return builder.take();
    }
    CsvReader csv(device);
    QStringList row, header;
    if (!csv.next(header))
        throw Error(QStringLiteral("%1: empty file").arg(name));
    for (QString& h : header)
        h = h.trimmed().toLower();
    if (!header.isEmpty())
        header[0].remove(QChar(0xFEFF));
    for (const char* need : {"model_a", "model_b", "winner"})
        if (!header.contains(QLatin1String(need)))
            throw Error(QStringLiteral("%1:1: the header has no \"%2\" column (need model_a,model_b,winner)")
                            .arg(name, QLatin1String(need)));
    while (csv.next(row)) {
        if (row.size() == 1 && row[0].trimmed().isEmpty())
            continue;
        if (row.size() != header.size())
            throw builder.error(csv.line(), QStringLiteral("expected %1 fields, found %2").arg(header.size()).arg(row.size()));
        QHash<QString, QString> f;
        for (qsizetype c = 0; c < header.size(); ++c)
            f.insert(header[c], row[c]);
        builder.add(csv.line(), f);
    }
    return builder.take();
}

agg::PairwiseData readPairwiseFile(const QString& path, const PairwiseImportOptions& options)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw Error(QStringLiteral("%1: cannot open: %2").arg(path, file.errorString()));
    const QString lower = path.toLower();
    bool jsonl = lower.endsWith(QLatin1String(".jsonl")) || lower.endsWith(QLatin1String(".ndjson")) ||
                 lower.endsWith(QLatin1String(".json"));
    if (!jsonl) {
        const QByteArray head = file.peek(4096).trimmed();
        jsonl = head.startsWith('{');
    }
    try {
        return readPairwise(&file, path, jsonl, options);
    } catch (const Error& e) {
        // CsvReader reports "line N: ..." without the file.
        if (e.message().startsWith(QLatin1String("line ")))
            throw Error(path + QLatin1Char(':') + e.message().mid(5));
        throw;
    }
}

} // namespace chorus::model
