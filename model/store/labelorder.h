#pragma once
// The canonical order of a project's labels. It fixes the number keys of the review table, the
// columns of confusion matrices, the tie rule of the vote methods and every output, so it must
// not depend on the order of the rows of an input file: it is the order declared by a jsonl
// `label_set` or `--labels` (a closed label set), otherwise the labels sorted by name in
// natural order (naturalLess).

#include <QString>
#include <QStringList>

namespace chorus::model {

class ProjectStore;

/// Natural order: runs of ASCII digits compare as numbers ("2" < "10", "a2" < "a10"; leading
/// zeros break a numeric tie, fewer first), everything else by UTF-16 code unit, which is
/// code-point order for the Basic Multilingual Plane (Python's str order, as crowd-kit uses).
/// A strict weak order; equal only for equal strings.
bool naturalLess(const QString& a, const QString& b);

/// Sorts names with naturalLess.
QStringList naturallySorted(QStringList names);

/// Puts the declared labels (a jsonl `label_set`, `--labels`) first, in the declared order;
/// other labels of the project keep their relative order after them. Names that are not labels
/// are ignored. Call inside the import's transaction.
void declareLabelOrder(ProjectStore& store, const QStringList& declared);

/// Rewrites the labels' positions into the canonical order (see above) when the label set is
/// open; a closed (declared) set keeps its order. Label ids do not change. Call inside the
/// transaction that added labels.
void canonicalizeLabelOrder(ProjectStore& store);

} // namespace chorus::model
