#!/usr/bin/env python3
"""Writes a synthetic crowd-labelling data set shaped like the issue #17 benchmark:
ITEMS items, each labelled by PER_ITEM of ANNOTATORS annotators drawn at random, LABELS
classes, annotators of varied accuracy (a Dawid-Skene world with a symmetric confusion per
annotator). Output: long CSV "item,annotator,label" and a gold CSV "item,label".

    scripts/make_crowd_csv.py OUT_DIR [--items 100000] [--annotators 200] [--per-item 10]
                              [--labels 5] [--seed 1] [--shuffle]

Only the Python standard library is used (no PyPI on the build machines)."""
import argparse
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--items", type=int, default=100000)
    ap.add_argument("--annotators", type=int, default=200)
    ap.add_argument("--per-item", type=int, default=10)
    ap.add_argument("--labels", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shuffle", action="store_true", help="rows in random order")
    a = ap.parse_args()
    if a.per_item > a.annotators:
        ap.error("--per-item cannot exceed --annotators")
    rng = random.Random(a.seed)
    labels = ["class_%d" % k for k in range(a.labels)]
    # Accuracies from 0.35 to 0.95: a crowd with some good and some poor annotators.
    acc = [0.35 + 0.6 * rng.random() for _ in range(a.annotators)]
    names = ["worker_%03d" % w for w in range(a.annotators)]
    os.makedirs(a.out_dir, exist_ok=True)
    rows = []
    gold = []
    for i in range(a.items):
        item = "item_%06d" % i
        truth = rng.randrange(a.labels)
        gold.append("%s,%s\n" % (item, labels[truth]))
        for w in rng.sample(range(a.annotators), a.per_item):
            if rng.random() < acc[w]:
                y = truth
            else:
                y = rng.randrange(a.labels - 1)
                y = y + 1 if y >= truth else y
            rows.append("%s,%s,%s\n" % (item, names[w], labels[y]))
    if a.shuffle:
        rng.shuffle(rows)
    with open(os.path.join(a.out_dir, "answers.csv"), "w", newline="") as f:
        f.write("item,annotator,label\n")
        f.writelines(rows)
    with open(os.path.join(a.out_dir, "gold.csv"), "w", newline="") as f:
        f.write("item,label\n")
        f.writelines(gold)


if __name__ == "__main__":
    main()
