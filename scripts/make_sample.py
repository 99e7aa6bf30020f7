#!/usr/bin/env python3
"""Regenerates resources/sample/sample.jsonl: a seeded, synthetic support-ticket triage task
labelled by six simulated LLMs of different competence, with realistic raw-output noise.

Deterministic: the same seed gives byte-identical output. Standard library only.
    python3 scripts/make_sample.py > resources/sample/sample.jsonl
"""
import json
import random

SEED = 20261123
LABELS = ["billing", "bug", "feature_request", "account", "other"]

SUBJECTS = {
    "billing": ["I was charged twice for my {plan} plan this month",
                "My invoice for {month} shows the wrong VAT number",
                "Why did the price of the {plan} plan go up without notice?",
                "The refund for order {order} never arrived",
                "Can I get a receipt for the payment made on {month} 3rd?",
                "My card was declined but the {plan} subscription still renewed"],
    "bug": ["The export button does nothing when I click it in {browser}",
            "The app crashes when I open a report with more than {n} rows",
            "Dark mode makes the {widget} text unreadable",
            "Search returns no results for names with accents since the {month} update",
            "Uploading a CSV over {n} MB fails with error 500",
            "The {widget} freezes after the latest update on {browser}"],
    "feature_request": ["It would be great to schedule reports every {weekday}",
                        "Please add a keyboard shortcut for the {widget}",
                        "Could you support exporting to {fmt}?",
                        "We need single sign-on with {idp} for our team",
                        "Please let us pin favourite dashboards to the {widget}",
                        "Would love an API endpoint for bulk {fmt} imports"],
    "account": ["I cannot log in after changing my email address",
                "How do I transfer ownership of the workspace to {name}?",
                "Please delete my account and all associated data",
                "Two-factor codes from {idp} are rejected",
                "I need to add {n} seats for new colleagues",
                "My password reset link expired before I could use it"],
    "other": ["Do you have an office in {city}?",
              "Just wanted to say the new {widget} is lovely",
              "Is there a student discount?",
              "Who do I contact about a partnership in {city}?",
              "Are you hiring engineers in {city}?",
              "What does the roadmap look like for next year?"],
}
# Ambiguous tickets mix two intents; models disagree more on these.
MIXED = [
    ("billing", "bug", "The checkout page throws an error and I was still charged for the {plan} plan"),
    ("feature_request", "bug", "The {widget} doesn't remember my filters; could it keep them?"),
    ("account", "billing", "After my account was merged I got two invoices for {month}"),
    ("feature_request", "account", "Can admins reset passwords for their team from the {widget}?"),
    ("other", "feature_request", "Any plans for an app for {browser}? Would be handy"),
]
FILL = {
    "plan": ["Pro", "Team", "Enterprise", "Starter"],
    "month": ["January", "March", "June", "September", "November"],
    "order": ["#48213", "#77120", "#90551", "#13007"],
    "browser": ["Firefox", "Safari", "Chrome", "Edge"],
    "n": ["50", "200", "10,000", "25"],
    "widget": ["sidebar", "calendar view", "table editor", "chart panel"],
    "weekday": ["Monday", "Friday", "weekday morning"],
    "fmt": ["Parquet", "Excel", "JSON Lines", "PDF"],
    "idp": ["Okta", "Azure AD", "Google Workspace"],
    "name": ["my colleague Ana", "our CTO", "the finance team"],
    "city": ["Berlin", "Lisbon", "Toronto", "Nairobi"],
}

# (name, accuracy on clear items, accuracy on mixed items, output style)
MODELS = [
    ("gpt-4o", 0.93, 0.70, "clean"),
    ("claude-3.5-sonnet", 0.91, 0.72, "clean"),
    ("llama-3-70b", 0.85, 0.58, "probs"),
    ("mistral-7b", 0.72, 0.45, "noisy"),
    ("gemma-2-9b", 0.66, 0.42, "letters"),
    ("qwen2-1.5b", 0.48, 0.35, "noisy"),
]
# Plausible confusions: when wrong, a model picks from these first.
CONFUSE = {"billing": ["account", "bug"], "bug": ["feature_request", "other"],
           "feature_request": ["bug", "other"], "account": ["billing", "other"],
           "other": ["feature_request", "account"]}


def fill(rng, template):
    out = template
    for key, values in FILL.items():
        while "{" + key + "}" in out:
            out = out.replace("{" + key + "}", rng.choice(values), 1)
    return out


def render(rng, label, style):
    """Raw output as an LLM might produce it; the import's normaliser and label map clean it."""
    letter = "ABCDE"[LABELS.index(label)]
    if style == "letters":
        return rng.choice([letter, letter + ")", letter, label])
    if style == "noisy":
        r = rng.random()
        if r < 0.04:
            return rng.choice(["I cannot determine the category.", "N/A", "The answer is unclear"])
        if r < 0.25:
            return rng.choice([label.title() + ".", " " + label + "\n", "**" + label + "**",
                               label.replace("_", " ").upper()])
    return label


def main():
    rng = random.Random(SEED)
    items = []
    for i in range(400):
        if rng.random() < 0.18:
            a, b, template = rng.choice(MIXED)
            gold = a if rng.random() < 0.6 else b
            alt = b if gold == a else a
            mixed = True
        else:
            gold = rng.choice(LABELS)
            template = rng.choice(SUBJECTS[gold])
            alt = None
            mixed = False
        text = fill(rng, template)
        labels, probs = {}, {}
        for name, acc, acc_mixed, style in MODELS:
            p = acc_mixed if mixed else acc
            if rng.random() < p:
                said = gold
            elif mixed and rng.random() < 0.7:
                said = alt
            else:
                said = rng.choice(CONFUSE[gold] + [l for l in LABELS if l != gold])
            if style == "probs":
                top = round(rng.uniform(0.45, 0.97), 3)
                rest = [l for l in LABELS if l != said]
                weights = [rng.random() for _ in rest]
                total = sum(weights)
                dist = {said: top}
                for l, w in zip(rest, weights):
                    dist[l] = round((1 - top) * w / total, 6)
                dist[rest[-1]] = round(1 - top - sum(dist[l] for l in rest[:-1]), 6)
                probs[name] = dist
            labels[name] = render(rng, said, style)
        rec = {"id": "T%04d" % (i + 1), "text": text, "labels": labels}
        if probs:
            rec["probs"] = probs
        if i % 5 != 4:  # gold for 80% of the items
            rec["gold"] = gold
        if i < 120:  # five crowd votes on the first 120 tickets
            votes = {}
            for _ in range(5):
                v = gold if rng.random() < (0.6 if mixed else 0.85) else (alt or rng.choice(LABELS))
                votes[v] = votes.get(v, 0) + 1
            rec["human_counts"] = votes
        rec["meta"] = {"channel": rng.choice(["email", "chat", "web form"]),
                       "mixed_intent": mixed}
        items.append(rec)
    items[0] = {"label_set": LABELS, **items[0]}
    for rec in items:
        print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main()
