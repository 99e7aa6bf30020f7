#!/usr/bin/python3
"""Reference calibration figures for tests/aggregation/tst_calibration.cpp, from scikit-learn.

Input: one shared task, ../shared/data/llm/emotion (12 LLMs, 6 classes, gold). Each item's
probability row is the majority-vote share of each class among the LLMs' valid labels
(INVALID left out; an item without a valid label gets a uniform row), computed here in plain
Python, so the rows do not come from Chorus. Writes, next to this script:

  emotion_mv_shares.csv    item,gold,p0..p5 (gold and columns index the sorted class names)
  emotion_mv_sklearn.json  scikit-learn's brier_score_loss and calibration_curve (10 bins,
                           uniform and quantile) of the top-label confidence against
                           "top label == gold", log_loss (eps=1e-15) of the rows, and the
                           expected calibration error and multi-class Brier score from numpy

Run with Debian's python3-sklearn (1.2.1):  /usr/bin/python3 make_sklearn_reference.py [DATA_DIR]
"""
import csv
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss

here = os.path.dirname(os.path.abspath(__file__))
data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../../../shared/data/llm/emotion")

with open(os.path.join(data, "gold.csv"), newline="") as f:
    gold = {r["item"]: r["label"] for r in csv.DictReader(f)}
votes = {}
with open(os.path.join(data, "answers.csv"), newline="") as f:
    for r in csv.DictReader(f):
        votes.setdefault(r["item"], []).append(r["label"])
classes = sorted(set(gold.values()) | {l for v in votes.values() for l in v if l not in ("INVALID", "")})
items = sorted(set(gold) & set(votes))
K = len(classes)
rows, y = [], []
for item in items:
    valid = [classes.index(l) for l in votes[item] if l in classes]
    row = np.bincount(valid, minlength=K) / len(valid) if valid else np.full(K, 1.0 / K)
    rows.append(row)
    y.append(classes.index(gold[item]))
rows = np.array(rows)
y = np.array(y)
conf = rows.max(axis=1)
correct = (rows.argmax(axis=1) == y).astype(int)


def ece(strategy):
    if strategy == "uniform":
        bins = np.linspace(0.0, 1.0, 11)
    else:
        bins = np.percentile(conf, np.linspace(0, 1, 11) * 100)
    ids = np.searchsorted(bins[1:-1], conf)
    total = np.bincount(ids, minlength=10)
    sums = np.bincount(ids, weights=conf, minlength=10)
    trues = np.bincount(ids, weights=correct, minlength=10)
    nz = total > 0
    return float(np.sum(total[nz] / len(conf) * np.abs(trues[nz] / total[nz] - sums[nz] / total[nz]))), total.tolist()


out = {"sklearn": sklearn.__version__, "numpy": np.__version__, "classes": classes, "items": len(items),
       "accuracy": float(correct.mean()),
       "brier_score_loss": float(brier_score_loss(correct, conf)),
       "log_loss": float(log_loss(y, rows, labels=list(range(K)), eps=1e-15)),
       "brier_multiclass": float(np.mean(np.sum((rows - np.eye(K)[y]) ** 2, axis=1)))}
for strategy in ("uniform", "quantile"):
    prob_true, prob_pred = calibration_curve(correct, conf, n_bins=10, strategy=strategy)
    e, counts = ece(strategy)
    out[strategy] = {"prob_true": prob_true.tolist(), "prob_pred": prob_pred.tolist(), "ece": e, "counts": counts}

with open(os.path.join(here, "emotion_mv_shares.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["item", "gold"] + ["p%d" % k for k in range(K)])
    for item, g, row in zip(items, y, rows):
        w.writerow([item, int(g)] + [repr(float(p)) for p in row])
with open(os.path.join(here, "emotion_mv_sklearn.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote emotion_mv_shares.csv and emotion_mv_sklearn.json (%d items)" % len(items))
