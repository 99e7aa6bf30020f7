#include "labelnormalizer.h"

namespace chorus::model {

namespace {

bool isTrailingPunct(QChar c)
{
    return c == QLatin1Char('.') || c == QLatin1Char(',') || c == QLatin1Char(';')
        || c == QLatin1Char(':') || c == QLatin1Char('!') || c == QLatin1Char('?');
}

// Strips pairs of wrapping characters and trailing punctuation until nothing changes.
QString strip(const QString& raw)
{
    QString s = raw.trimmed();
    static const QString openers = QStringLiteral("\"'`*([{<_");
    static const QString closers = QStringLiteral("\"'`*)]}>_");
    bool changed = true;
    while (changed && !s.isEmpty()) {
        changed = false;
        while (!s.isEmpty() && isTrailingPunct(s.back())) {
            s.chop(1);
            s = s.trimmed();
            changed = true;
        }
        if (s.size() >= 2) {
            const qsizetype o = openers.indexOf(s.front());
            if (o >= 0 && s.back() == closers.at(o)) {
                s = s.mid(1, s.size() - 2).trimmed();
                changed = true;
            }
        }
    }
    return s;
}

} // namespace

QString LabelNormalizer::clean(const QString& raw)
{
    return strip(raw).simplified();
}

QString LabelNormalizer::key(const QString& raw)
{
    return clean(raw).toCaseFolded();
}

void LabelNormalizer::setLabels(const QStringList& labels)
{
    m_labels.clear();
    m_byKey.clear();
    for (const QString& l : labels) {
        m_labels << l;
        m_byKey.insert(key(l), l);
    }
}

void LabelNormalizer::addMapping(const QString& raw, const QString& label)
{
    if (label == kInvalidLabelName) {
        m_byKey.insert(key(raw), kInvalidLabelName);
        return;
    }
    const QString k = key(label);
    if (!m_byKey.contains(k) || m_byKey.value(k) != label) {
        if (!m_labels.contains(label)) {
            m_labels << label;
            m_byKey.insert(k, label);
        }
    }
    m_byKey.insert(key(raw), label);
}

LabelNormalizer::Result LabelNormalizer::resolve(const QString& raw)
{
    // Compare the cleaned form: "INVALID!" must not become a new label named INVALID (the
    // reserved name), which later outputs would then resolve to Invalid (found by fuzzing).
    if (clean(raw) == kInvalidLabelName)
        return {Outcome::Invalid, {}};
    const QString k = key(raw);
    if (k.isEmpty())
        return {Outcome::Invalid, {}};
    const auto it = m_byKey.constFind(k);
    if (it != m_byKey.constEnd()) {
        if (it.value() == kInvalidLabelName)
            return {Outcome::Invalid, {}};
        return {Outcome::Known, it.value()};
    }
    if (m_closed)
        return {Outcome::Invalid, {}};
    const QString label = clean(raw);
    m_labels << label;
    m_byKey.insert(k, label);
    return {Outcome::New, label};
}

} // namespace chorus::model
