#!/usr/bin/env bash
# Reproduces the "Wisdom of instruction-tuned language model crowds" comparison on every task in
# ../shared/data/llm: macro-F1 of the best single LLM, the mean LLM, majority vote and MACE, with
# INVALID outputs excluded from aggregation (missing or INVALID labels count as wrong for the
# single models), and writes docs/results-llm-crowds.md.
#   ./scripts/results_llm_crowds.sh [DATA_DIR] [OUT]
#     DATA_DIR  default ../shared/data/llm beside the checkout
#     OUT       default docs/results-llm-crowds.md
# Needs a built ./build/app/chorus-cli (it builds nothing). Figures come from
# `chorus-cli evaluate`'s tab-separated table; python3, when present, only adds crowd-kit's
# reference figures from ../shared/reference/llm for comparison.
source "$(dirname "${BASH_SOURCE[0]}")/results_common.sh"
data="${1:-$root/../shared/data/llm}"
out="${2:-docs/results-llm-crowds.md}"
refdir="$(dirname "$data")/../reference/llm"
methods="mv,mace"
seed=0

results_need "$data"
have_python=0
command -v python3 >/dev/null 2>&1 && [ -d "$refdir" ] && have_python=1

# ref_f1 TASK METHOD: crowd-kit's macro-F1 from the reference file, or "n/a".
ref_f1() {
    if [ "$have_python" -eq 1 ] && [ -f "$refdir/$1.json" ]; then
        python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["methods"][sys.argv[2]]["macro_f1"])' \
            "$refdir/$1.json" "$2" 2>/dev/null || echo "n/a"
    else
        echo "n/a"
    fi
}

rows=""
declare -A compared=() differ=()  # per method: tasks with a crowd-kit figure, tasks that differ
summary=""  # per task: best mean mv mace (for the reading below)
llm_tasks "$data"
for dir in "${tasks[@]}"; do
    task="$(basename "$dir")"
    # Label order = sorted class names (gold and valid model labels), as crowd-kit's, so that
    # majority vote breaks ties toward the same label. Left to the import when a CSV is quoted.
    task_labels "$dir"
    table="$("$cli" evaluate --input "$dir/items.jsonl" "${labels[@]}" --methods "$methods" --seed "$seed")"
    # Columns: kind name items accuracy macro_f1 weighted_f1 coverage spearman pearson
    read -r models best_name best mean mv mace < <(printf '%s\n' "$table" | awk -F'\t' '
        $1 == "annotator" { n++ }
        $1 == "best"      { bn = $2; b = $5 }
        $1 == "mean"      { m = $5 }
        $1 == "method" && $2 == "mv"   { mv = $5 }
        $1 == "method" && $2 == "mace" { mace = $5 }
        END { printf "%d %s %s %s %s %s\n", n, bn, b, m, mv, mace }')
    items="$(grep -c . "$dir/items.jsonl")"
    ref_mv="$(ref_f1 "$task" mv)"
    ref_mace="$(ref_f1 "$task" mace)"
    rows+="$(printf '| %s | %s | %s | %s (%.4f) | %.4f | %.4f | %s | %.4f | %s |' \
        "$task" "$items" "$models" "$best_name" "$best" "$mean" "$mv" "$ref_mv" "$mace" "$ref_mace")"$'\n'
    for m in mv mace; do
        ours="$(printf '%.4f' "${!m}")"
        ref="ref_$m"
        if [ "${!ref}" != "n/a" ]; then
            compared[$m]=$((${compared[$m]:-0} + 1))
            [ "$ours" = "${!ref}" ] || differ[$m]+="${differ[$m]:+, }$task ($ours vs ${!ref})"
        fi
    done
    summary+="$task $best $mean $mv $mace"$'\n'
    echo "$task: best $best_name $best, mean $mean, mv $mv, mace $mace" >&2
done

reading="$(printf '%s' "$summary" | awk '
    BEGIN { t = sb = sm = sv = sc = mvmean = macemean = mvbest = macebest = macemv = maxgap = 0; maxtask = "-" }
    NF == 5 {
        t++; sb += $2; sm += $3; sv += $4; sc += $5
        if ($4 > $3) mvmean++
        if ($5 > $3) macemean++
        if ($4 >= $2) mvbest++
        if ($5 >= $2) macebest++
        if ($5 > $4) macemv++
        gap = $2 - ($4 > $5 ? $4 : $5)
        if (gap > maxgap) { maxgap = gap; maxtask = $1 }
    }
    END {
        printf "Averaged over the %d tasks, the best single LLM reaches a macro-F1 of %.3f and the mean LLM %.3f; ", t, sb / t, sm / t
        printf "majority vote reaches %.3f and MACE %.3f.\n\n", sv / t, sc / t
        printf "- Majority vote beats the mean LLM on %d of %d tasks, MACE on %d of %d.\n", mvmean, t, macemean, t
        printf "- The crowd matches or beats the best single LLM on %d (majority vote) and %d (MACE) of %d tasks. ", mvbest, macebest, t
        printf "The largest gap between the best LLM and the better of the two aggregates is %.3f, on %s.\n", maxgap, maxtask
        printf "- MACE is above majority vote on %d of %d tasks", macemv, t
        if (sc > sv)
            printf " and on average: weighting models by their estimated competence helps where a few strong models are outvoted by many weak ones.\n"
        else
            printf ", but not on average: its competence estimates do not make up for the many weak models here.\n"
    }')"

for m in mv mace; do
    [ "${compared[$m]:-0}" -gt 0 ] || continue
    if [ -z "${differ[$m]:-}" ]; then
        reading+=$'\n'"- Our $m equals crowd-kit's to 4 decimals on all ${compared[$m]} tasks."
    else
        reading+=$'\n'"- Our $m differs from crowd-kit's at 4 decimals on: ${differ[$m]}."
    fi
done

{
    echo "# Results: LLM crowds on the computational social science tasks"
    echo
    echo "Generated by \`scripts/results_llm_crowds.sh\` on $(date -u +%Y-%m-%d); do not edit by hand."
    echo
    echo "This reproduces the analysis of \"Wisdom of instruction-tuned language model crowds\" on the 10"
    echo "tasks of Ziems et al. (2024) in \`../shared/data/llm/\` (zero-shot labels of 11-13 LLMs per item,"
    echo "with gold). For each task:"
    echo
    echo "- **best LLM** and **mean LLM**: the best single model's macro-F1 and the mean over the models."
    echo "  A missing or INVALID output counts as wrong."
    echo "- **mv** and **mace**: majority vote and MACE (Hovy et al. 2013, default parameters, seed $seed)"
    echo "  over the models' labels, with INVALID outputs excluded from aggregation."
    echo "- Macro-F1 averages over every class of the task (scikit-learn with \`labels=classes\`)."
    echo "- **crowd-kit**: the same aggregate computed by crowd-kit 1.4.1 in \`../shared/reference/llm/\`"
    echo "  (MACE in its aligned-id workaround), for comparison. The labels are imported in sorted order"
    echo "  (\`--labels\`), so majority vote breaks ties toward the alphabetically first label, as"
    echo "  crowd-kit does. MACE depends on its random restarts and on each implementation's details."
    echo
    echo "| task | items | LLMs | best LLM (macro-F1) | mean LLM | mv | mv, crowd-kit | mace | mace, crowd-kit |"
    echo "|---|---:|---:|---|---:|---:|---:|---:|---:|"
    printf '%s' "$rows"
    echo
    echo "## Reading"
    echo
    printf '%s\n' "$reading"
    echo
    echo "## Command"
    echo
    echo "Each row comes from one command (the tab-separated table it prints has a row per model, per"
    echo "method, and the \`best\` and \`mean\` rows):"
    echo
    echo '```sh'
    echo "chorus-cli evaluate --input ../shared/data/llm/<task>/items.jsonl --labels <sorted classes> \\"
    echo "    --methods $methods --seed $seed"
    echo '```'
    echo
    echo "Add \`--json\` for per-class precision/recall/F1, confusion matrices, coverage and the"
    echo "correlation between each method's competences and the models' true accuracies, and"
    echo "\`--compare mace flan-ul2\` for a paired bootstrap of the macro-F1 difference."
} > "$out"
echo "wrote $out" >&2
