#pragma once
// A combo box of the divergence sources of the open project: every source `chorus-cli
// divergence` accepts (human judgments, the consensus, votes of all or chosen annotators, each
// annotator's probabilities, each saved run, each method computed now), as specs of
// model::divergenceSource.

#include <QComboBox>

#include <functional>

namespace chorus::model {
class Workbench;
}

namespace chorus::ui {

class DivergenceSourceBox final : public QComboBox
{
    Q_OBJECT

public:
    explicit DivergenceSourceBox(model::Workbench* wb, QWidget* parent = nullptr);

    /// Lists the sources of the open project, keeping the current one when it still exists, or
    /// choosing `fallback` (the first of its specs that exists).
    void fill(const QStringList& fallback);
    /// The chosen spec ("votes:A,B" for chosen annotators); empty without a project.
    QString spec() const;
    /// Chooses spec; a votes:A,B spec is added as its own entry. False when the project has no
    /// such source (the choice is then unchanged).
    bool setSpec(const QString& spec);
    /// The text a user reads for spec ("votes of A, B", "run #3 · ds").
    QString describe(const QString& spec) const;

    /// When set, replaces the dialog the "votes of chosen annotators…" entry opens (a checkable,
    /// filterable list): gets the annotators chosen before, returns the new choice (empty:
    /// canceled). Tests set it.
    std::function<QStringList(const QStringList& current)> chooseAnnotators;

signals:
    /// The user (or setSpec) chose another source.
    void specChanged();

private:
    void onActivated(int index);
    QStringList askAnnotators(const QStringList& current);
    int customVotesIndex() const;

    model::Workbench* m_wb;
    int m_previous = -1;
};

} // namespace chorus::ui
