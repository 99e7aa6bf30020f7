#pragma once
// Maps raw label strings ("A", "Fear.", " fear\n", "**Joy**") onto the project's label set.

#include <QHash>
#include <QString>
#include <QStringList>

namespace chorus::model {

/// Reserved label name for outputs that cannot be mapped to the label set.
inline const QString kInvalidLabelName = QStringLiteral("INVALID");

class LabelNormalizer
{
public:
    /// The comparison key: surrounding white space, quotes, brackets and markdown emphasis
    /// removed, trailing punctuation (.,;:!?) removed, inner white space collapsed, case folded.
    static QString key(const QString& raw);
    /// The display form of a new label: trimmed, trailing punctuation removed, case kept.
    static QString clean(const QString& raw);

    /// Known labels, in order. Their keys must be distinct.
    void setLabels(const QStringList& labels);
    /// A raw -> label map (keys are compared with key()). Targets become known labels; the
    /// target kInvalidLabelName makes raw resolve to Invalid.
    void addMapping(const QString& raw, const QString& label);
    /// With a closed set, unknown labels resolve to INVALID (annotations) or are rejected
    /// (gold, counts, probabilities). With an open set they are added.
    void setClosed(bool closed) { m_closed = closed; }
    bool isClosed() const { return m_closed; }

    enum class Outcome { Known, New, Invalid };
    struct Result
    {
        Outcome outcome = Outcome::Invalid;
        QString label;  ///< resolved or new label name; empty for Invalid
    };
    /// Resolves a raw string. A New result is remembered as a known label.
    Result resolve(const QString& raw);

    const QStringList& labels() const { return m_labels; }

private:
    QStringList m_labels;
    QHash<QString, QString> m_byKey;  // key -> label
    bool m_closed = false;
};

} // namespace chorus::model
