#include "cli.h"

#include "errors.h"

#include <QCoreApplication>
#include <QFile>

#include <cstdio>

using namespace chorus;

namespace chorus::cli {

void out(const QByteArray& text)
{
    std::fwrite(text.constData(), 1, static_cast<size_t>(text.size()), stdout);
    std::fflush(stdout);
}

void err(const QString& text)
{
    const QByteArray b = text.toUtf8() + '\n';
    std::fwrite(b.constData(), 1, static_cast<size_t>(b.size()), stderr);
}

void parseOrThrow(QCommandLineParser& parser, const QStringList& args, const QString& synopsis)
{
    parser.addHelpOption();
    if (!parser.parse(args))
        throw UsageError{parser.errorText() + QStringLiteral("\nusage: ") + synopsis};
    if (parser.isSet(QStringLiteral("help"))) {
        out((QStringLiteral("usage: ") + synopsis + QStringLiteral("\n\n") + parser.helpText().section(QLatin1Char('\n'), 2))
                .toUtf8());
        throw HelpShown{};
    }
}

} // namespace chorus::cli

namespace {

const char* const kHelp =
    "chorus-cli: headless companion of the Chorus label workbench\n"
    "\n"
    "usage: chorus-cli <command> [options]\n"
    "\n"
    "Project commands:\n"
    "  import PROJECT FILE [--format F] [--gold FILE] [--label-map FILE] [--labels a,b,c] [--kind K]\n"
    "                      [--delimiter comma|semicolon|tab|C] [--items FILE]\n"
    "                        import a data file (all or nothing); creates PROJECT if needed\n"
    "  info PROJECT [--json] counts (items reviewed, flagged, unreviewed), labels and annotators\n"
    "  export PROJECT OUT [--format jsonl|csv|long-csv|wide-csv] [--run ID] [--reviewed-only]\n"
    "                     [--min-confidence T] [--exclude-flagged] [--exclude-invalid]\n"
    "                     [--soft posterior|human] [--no-annotators] [--history]\n"
    "                        write the curated dataset with reviewer notes (atomic: temp file\n"
    "                        + rename); --history adds every item's decision history\n"
    "\n"
    "PROJECT is a .chorus file or a server project postgresql://[user@]host[:port]/db?project=NAME\n"
    "(docs/server-projects.md). Server projects:\n"
    "  projects URI [--json]  the projects in a server database\n"
    "  push FILE URI [--replace]\n"
    "                        copy a project file to the server (all or nothing)\n"
    "  pull URI FILE [--replace]\n"
    "                        copy a server project to a file\n"
    "  team init URI         create the project's roles (manager, adjudicator, reviewer) and grants\n"
    "  team add URI LOGIN --role manager|adjudicator|reviewer [--name NAME]\n"
    "                        give a server login a role in the project\n"
    "  team list URI [--json] the logins and their roles\n"
    "  team settings --project P [--overlap N] [--order uncertainty|queue|random] [--seed S]\n"
    "                [--blind none|reviewers|all] [--lease-minutes M] [--adjudicate-consensus on|off] [--json]\n"
    "                        how items are handed out to a team (docs/team.md)\n"
    "\n"
    "Team review (the reviewer is the server login, or the local user of a file; docs/team.md):\n"
    "  claim --project P [--n K] [--json]\n"
    "                        hold the next items to review (a lease, renewed by the next claim)\n"
    "  decide --project P --item ID (--label L | --accept | --flag) [--note T] [--uuid U]\n"
    "         [--no-journal] [--json]\n"
    "                        record this reviewer's decision (once per UUID) and end its claim;\n"
    "                        on a server it goes through the local journal (exit 3: queued)\n"
    "  release --project P [--item ID] [--json]\n"
    "                        give claimed items back\n"
    "  progress --project P [--json]\n"
    "                        per reviewer decided/claimed; items complete, in adjudication, remaining\n"
    "  adjudicate --project P [--all] [--json]\n"
    "                        the items whose reviews disagree: every reviewer's, LLM's and the consensus label\n"
    "  adjudicate --project P --item ID --label L [--note T] [--uuid U] [--json]\n"
    "                        set an item's final label (adjudicators and managers; exports say \"adjudicated\")\n"
    "  sync --project URI [--json]\n"
    "                        send the decisions queued in the local journal while the server was\n"
    "                        unreachable (decide and claim do it first too)\n"
    "\n"
    "Analysis commands (--project PROJECT or --input FILE):\n"
    "  aggregate --method M [--gold FILE] [--controls FILE] [--seed N] [--param k=v ...]\n"
    "            [--save] [--json]\n"
    "                        aggregate the labels (methods: see --method help)\n"
    "  agreement [--metric nominal|ordinal|interval|ratio] [--bootstrap B] [--seed N]\n"
    "            [--include-invalid] [--min-shared N] [--json]\n"
    "                        inter-annotator agreement (kappas, alpha, AC1, Cohen pairs, CIs)\n"
    "  evaluate [--gold FILE] [--methods m1,m2] [--compare A B] [--bootstrap B] [--json]\n"
    "                        annotators and aggregation methods against gold\n"
    "  divergence --p SOURCE --q SOURCE [--log e|2] [--epsilon E] [--softmax TAU|--pnorm]\n"
    "             [--json]   per-item KL, JS distance, TVD, cross-entropy, distance correlation\n"
    "                        (SOURCE: human, annotator:NAME, votes[:A,B], run:ID, method:M)\n"
    "  select (--run RUN | --method M) --budget B --k K --cost C --relabeler-accuracy A\n"
    "         [--strategy greedy|exact|random|uncertainty] [--export FILE] [--json]\n"
    "                        the items to relabel next under a budget (docs/relabeling.md)\n"
    "  simulate --method M --relabeler NAME|gold --k K --cost C --budget B --strategy S\n"
    "           [--strategy S2 ...] [--seed N] [--json]\n"
    "                        replay budgeted relabeling: accuracy vs money spent per strategy\n"
    "  crowd [--gold FILE] [--methods mv,ds,...] [--select-fraction F] [--seed N] [--costs FILE]\n"
    "        [--max-cost C | --max-cost-share S] [--no-gold] [--curve-samples N] [--json]\n"
    "                        which annotators to keep and pay for: per-annotator cost and scores,\n"
    "                        redundancy, search over crowds x methods, Pareto front (docs/crowd.md)\n"
    "  calibration [--gold FILE] [--methods m1,m2] [--bins B] [--select-fraction F] [--seed N]\n"
    "              [--temperature] [--json]\n"
    "                        ECE, Brier, NLL and reliability diagrams of the methods' posteriors\n"
    "                        and the annotators' probabilities; temperature scaling\n"
    "\n"
    "Pairwise preferences (--input FILE: model_a,model_b,winner[,judge,category,item,...]):\n"
    "  rank --input FILE [--method elo|bt] [--bootstrap N] [--ties half|drop] [--seed S]\n"
    "       [--judge SUBSTRING] [--k K] [--json]\n"
    "                        Elo or Bradley-Terry ratings with bootstrap intervals\n"
    "  judges --input FILE [--json]\n"
    "                        each judge vs the human majority: agreement, kappa, per-category\n"
    "                        correlation, positional bias (docs/pairwise.md)\n"
    "\n"
    "LLM connector (OpenAI-compatible chat completions, docs/llm.md):\n"
    "  label --project P --annotator CONFIG.json [--items FILTER] [--budget B] [--dry-run] [--json]\n"
    "                        ask an LLM for a label per item; answers are stored as they arrive,\n"
    "                        a rerun skips answered items; Ctrl+C stops cleanly\n"
    "\n"
    "  --version             print the version\n"
    "  --help                this text; 'chorus-cli <command> --help' for a command\n"
    "\n"
    "Exit codes: 0 success, 1 error (message on stderr), 2 bad command line, 3 for label: stopped\n"
    "at its budget; for decide and sync: decisions queued in the journal, the server unreachable.\n";

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("chorus-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CHORUS_VERSION));
    QStringList args = QCoreApplication::arguments();
    if (args.size() < 2) {
        // A usage error: the help text goes to stderr, stdout stays empty.
        cli::err(QString::fromLatin1(kHelp).trimmed());
        return cli::kUsage;
    }
    if (args[1] == QLatin1String("--help") || args[1] == QLatin1String("-h") || args[1] == QLatin1String("help")) {
        cli::out(kHelp);
        return cli::kOk;
    }
    if (args[1] == QLatin1String("--version")) {
        cli::out(QByteArray("chorus-cli ") + CHORUS_VERSION + '\n');
        return cli::kOk;
    }
    const QString command = args[1];
    args.removeAt(1);
    args[0] = QStringLiteral("chorus-cli ") + command;
    try {
        if (command == QLatin1String("import"))
            return cli::cmdImport(args);
        if (command == QLatin1String("info"))
            return cli::cmdInfo(args);
        if (command == QLatin1String("export"))
            return cli::cmdExport(args);
        if (command == QLatin1String("aggregate"))
            return cli::cmdAggregate(args);
        if (command == QLatin1String("agreement"))
            return cli::cmdAgreement(args);
        if (command == QLatin1String("evaluate"))
            return cli::cmdEvaluate(args);
        if (command == QLatin1String("divergence"))
            return cli::cmdDivergence(args);
        if (command == QLatin1String("select"))
            return cli::cmdSelect(args);
        if (command == QLatin1String("simulate"))
            return cli::cmdSimulate(args);
        if (command == QLatin1String("crowd"))
            return cli::cmdCrowd(args);
        if (command == QLatin1String("calibration"))
            return cli::cmdCalibration(args);
        if (command == QLatin1String("rank"))
            return cli::cmdRank(args);
        if (command == QLatin1String("judges"))
            return cli::cmdJudges(args);
        if (command == QLatin1String("label"))
            return cli::cmdLabel(args);
        if (command == QLatin1String("projects"))
            return cli::cmdProjects(args);
        if (command == QLatin1String("push"))
            return cli::cmdPush(args);
        if (command == QLatin1String("pull"))
            return cli::cmdPull(args);
        if (command == QLatin1String("team"))
            return cli::cmdTeam(args);
        if (command == QLatin1String("claim"))
            return cli::cmdClaim(args);
        if (command == QLatin1String("decide"))
            return cli::cmdDecide(args);
        if (command == QLatin1String("release"))
            return cli::cmdRelease(args);
        if (command == QLatin1String("progress"))
            return cli::cmdProgress(args);
        if (command == QLatin1String("adjudicate"))
            return cli::cmdAdjudicate(args);
        if (command == QLatin1String("sync"))
            return cli::cmdSync(args);
        cli::err(QStringLiteral("chorus-cli: unknown command \"%1\" (see chorus-cli --help)").arg(command));
        return cli::kUsage;
    } catch (const cli::HelpShown&) {
        return cli::kOk;
    } catch (const cli::UsageError& e) {
        cli::err(QStringLiteral("chorus-cli %1: %2").arg(command, e.message));
        return cli::kUsage;
    } catch (const model::CanceledError&) {
        cli::err(QStringLiteral("chorus-cli %1: canceled").arg(command));
        return cli::kError;
    } catch (const model::Error& e) {
        cli::err(QStringLiteral("chorus-cli %1: %2").arg(command, e.message()));
        return cli::kError;
    } catch (const std::exception& e) {
        cli::err(QStringLiteral("chorus-cli %1: %2").arg(command, QString::fromUtf8(e.what())));
        return cli::kError;
    }
}
