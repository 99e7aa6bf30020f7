#pragma once
// Annotator charts that stay readable (issue #18): distinct short names for axes, the top and
// bottom N annotators by a chart's measure, and plain-text tooltips on bars.

#include "dashboarddata.h"

#include <QColor>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

class QBarSet;
class QChartView;
class QLabel;
class QScrollArea;
class QSpinBox;
class QWidget;

namespace chorus::ui {

/// `name` cut to `keep` characters plus "…" in the middle; the end keeps more than the start
/// because model names that share a prefix ("flan-t5-") differ at the end. A name of at most
/// `keep` characters is returned unchanged.
QString elideMiddle(const QString& name, int keep);

/// One label per name, each at most `maxWidth` wide by `width` (characters, pixels), cut in the
/// middle where too wide, and pairwise distinct: names whose cut forms collide are cut less (up
/// to their full text) until they differ; equal input names get " #2", " #3"...
QStringList distinctElided(const QStringList& names, const std::function<int(const QString&)>& width,
                           int maxWidth);
/// distinctElided by character count.
QStringList distinctShortNames(const QStringList& names, int maxChars);

/// Which annotators a chart shows, highest measure first.
struct AnnotatorSelection
{
    std::vector<int> shown;  ///< indices into the measure, in display order (top to bottom)
    int total = 0;           ///< annotators
    int limit = 0;           ///< N, 0 for all
    bool cut = false;        ///< true when only the top and bottom N are shown
    int unranked = 0;        ///< annotators without a finite measure (left out when cut)
    /// "top 10 and bottom 10 of 200 by competence (ds)", or "all 12, by ..." when nothing is cut.
    QString caption(const QString& measureName) const;
};

/// The `n` annotators with the highest finite measure and the `n` with the lowest, highest
/// first (ties: lower index first). With n <= 0 or at most 2n finite values every annotator
/// is shown, sorted the same way, those without a finite measure last.
AnnotatorSelection selectTopBottom(const std::vector<double>& measure, int n);

/// Total variation distance of each annotator's label mix (a row of `counts`, rows x cols)
/// from the pooled mix of all rows: 0.5 * sum |p_l - q_l|. NaN for a row without labels.
std::vector<double> distanceFromPooledMix(const std::vector<int64_t>& counts, int rows, int cols);

/// Cohen's kappa of every pair of annotators, A x A row-major: 1 on the diagonal, NaN for a
/// pair without a defined kappa (no shared items).
std::vector<double> pairwiseKappa(const model::DashboardData& data);
/// Mean of the finite off-diagonal values of each row of an n x n matrix (NaN without one).
std::vector<double> meanOffDiagonal(const std::vector<double>& matrix, int n);
/// The rows and columns `keep` of an n x n matrix, in that order.
std::vector<double> subMatrix(const std::vector<double>& matrix, int n, const std::vector<int>& keep);

/// Colour k of ten distinct ones (the default chart theme repeats after five), so that a
/// series keeps its colour whichever others are shown.
QColor seriesColor(int k);

/// A figure as charts and tables show it: `decimals` places, or "–" when not finite.
QString chartNumber(double v, int decimals = 3);
/// A figure in full (10 significant digits) for CSV exports and tooltips; empty when not finite.
QString fullNumber(double v);
/// A coefficient as charts show it (chartNumber), "n/a" when it is undefined.
QString coefText(const agg::Coefficient& c);
/// " [lo, hi]" (chartNumber, with a leading space), empty when the interval is undefined.
QString intervalText(const agg::Interval& i);

/// Rich text showing `text` verbatim (escaped; newlines kept), for QToolTip, which would
/// otherwise take untrusted names with tags as markup.
QString plainToolTip(const QString& text);
/// Gives the bars of `set` the tooltips `texts` (one per bar), shown while hovered.
void setBarToolTips(QBarSet* set, const QStringList& texts);
/// The tooltip of bar `index` of `set` (empty without one).
QString barToolTip(const QBarSet* set, int index);

/// The "top & bottom N" control shared by the annotator chart pages: one spin box on each page
/// (objectName "annotatorLimit"), all showing the same N; 0 shows every annotator ("all").
class AnnotatorLimit final : public QObject
{
    Q_OBJECT

public:
    explicit AnnotatorLimit(QObject* parent = nullptr);
    /// N; 0 for all. Default 10.
    int value() const { return m_value; }
    void setValue(int n);
    /// A page holding `content` under a caption line (returned in *caption: what the chart
    /// shows, plain text, wrapped) with a spin box of this control at its right.
    QWidget* createPage(QWidget* content, QLabel** caption, QWidget* parent);

signals:
    void valueChanged(int n);

private:
    int m_value = 10;
    QList<QSpinBox*> m_boxes;
};

/// `view` in a scroll area that scrolls vertically once its bars need more height than shown.
QScrollArea* scrollableChart(QChartView* view, QWidget* parent);
/// Makes `view` tall enough for `rows` categories of `barsPerRow` bars each.
void fitChartRows(QChartView* view, int rows, int barsPerRow);

} // namespace chorus::ui
