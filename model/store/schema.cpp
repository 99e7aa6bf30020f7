#include "schema.h"

namespace chorus::model {

// Portable SQL only (SQLite and PostgreSQL both accept it), with the type tokens of
// Dialect::ddl(): {autoid} a key numbered by the database, {real} a double, {blob} bytes.
// Engine-specific statements go in Dialect. BLOBs hold little-endian doubles (posteriors).
const QList<QStringList>& migrationSteps()
{
    static const QList<QStringList> steps = {
        // Version 1.
        {
            QStringLiteral("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE labels (id {autoid}, name TEXT NOT NULL UNIQUE, "
                           "position INTEGER NOT NULL)"),
            QStringLiteral("CREATE TABLE items (id {autoid}, ext_id TEXT NOT NULL UNIQUE, "
                           "text TEXT NOT NULL DEFAULT '', meta TEXT)"),
            QStringLiteral("CREATE TABLE annotators (id {autoid}, name TEXT NOT NULL UNIQUE, "
                           "kind TEXT NOT NULL CHECK (kind IN ('llm','human','reviewer')), "
                           "cost_per_item {real})"),
            // label_id NULL = INVALID (raw keeps what the annotator said).
            QStringLiteral("CREATE TABLE annotations ("
                           "item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE, "
                           "annotator_id INTEGER NOT NULL REFERENCES annotators(id) ON DELETE CASCADE, "
                           "label_id INTEGER REFERENCES labels(id), raw TEXT, probs TEXT, score {real}, "
                           "PRIMARY KEY (item_id, annotator_id))"),
            QStringLiteral("CREATE TABLE gold (item_id INTEGER PRIMARY KEY REFERENCES items(id) "
                           "ON DELETE CASCADE, label_id INTEGER NOT NULL REFERENCES labels(id))"),
            QStringLiteral("CREATE TABLE human_counts ("
                           "item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE, "
                           "label_id INTEGER NOT NULL REFERENCES labels(id), "
                           "count INTEGER NOT NULL CHECK (count >= 0), PRIMARY KEY (item_id, label_id))"),
            // Append-only: every row is the complete state of the item after the action.
            QStringLiteral("CREATE TABLE decisions (id {autoid}, "
                           "item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE, "
                           "action TEXT NOT NULL, label_id INTEGER REFERENCES labels(id), "
                           "status TEXT NOT NULL CHECK (status IN ('unreviewed','reviewed','flagged')), "
                           "note TEXT, author TEXT NOT NULL, created_at TEXT NOT NULL)"),
            QStringLiteral("CREATE INDEX decisions_by_item ON decisions (item_id, id)"),
            QStringLiteral("CREATE TABLE runs (id {autoid}, method TEXT NOT NULL, "
                           "params TEXT NOT NULL, created_at TEXT NOT NULL, iterations INTEGER, "
                           "converged INTEGER, seconds {real}, log_likelihood TEXT, "
                           "labels TEXT NOT NULL, tied_items INTEGER)"),
            QStringLiteral("CREATE TABLE run_items ("
                           "run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, "
                           "item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE, "
                           "label_id INTEGER REFERENCES labels(id), confidence {real}, posterior {blob}, "
                           "PRIMARY KEY (run_id, item_id))"),
            QStringLiteral("CREATE TABLE run_annotators ("
                           "run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, "
                           "annotator_id INTEGER NOT NULL REFERENCES annotators(id) ON DELETE CASCADE, "
                           "competence {real}, PRIMARY KEY (run_id, annotator_id))"),
        },
        // Version 2: appending a label finds the next position through an index (projects
        // with 100,000 labels), and decisions cannot be deleted (a trigger in the dialect; rows
        // of a deleted item still go with it through the foreign key's cascade).
        {
            QStringLiteral("CREATE INDEX labels_by_position ON labels (position)"),
        },
        // Version 3: the LLM connector. llm_annotators keeps each LLM annotator's configuration
        // (the name of the API key's environment variable, never the key); llm_answers keeps
        // every answer with its token usage and cost. variant 'reversed' is the second ask of
        // the order-bias check (label options in reverse order); the 'primary' answer is also
        // the annotator's row in annotations.
        {
            QStringLiteral("CREATE TABLE llm_annotators (annotator_id INTEGER PRIMARY KEY "
                           "REFERENCES annotators(id) ON DELETE CASCADE, config TEXT NOT NULL, "
                           "updated_at TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE llm_answers (id {autoid}, "
                           "annotator_id INTEGER NOT NULL REFERENCES annotators(id) ON DELETE CASCADE, "
                           "item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE, "
                           "variant TEXT NOT NULL CHECK (variant IN ('primary','reversed')), "
                           "label_id INTEGER REFERENCES labels(id), raw TEXT, logprobs TEXT, "
                           "prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, "
                           "usage_estimated INTEGER NOT NULL, cost {real} NOT NULL, created_at TEXT NOT NULL, "
                           "UNIQUE (annotator_id, item_id, variant))"),
        },
        // Version 4: labels in canonical order (model/store/labelorder.h). No table changes: the
        // store rewrites the positions of an open label set when it migrates (earlier versions
        // kept the order of first appearance in the imported files).
        {},
        // Version 5: team review (model/team/teamreview.h). A decision may carry the UUID its
        // writer gave it, stored at most once, so that resending a decision never doubles it;
        // claims are reviewers' leases on items (expires_at as ISO 8601 UTC, compared as text).
        {
            QStringLiteral("ALTER TABLE decisions ADD COLUMN uuid TEXT"),
            QStringLiteral("CREATE UNIQUE INDEX decisions_by_uuid ON decisions (uuid)"),
            QStringLiteral("CREATE INDEX decisions_by_author ON decisions (author, item_id)"),
            QStringLiteral("CREATE TABLE claims ("
                           "item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE, "
                           "reviewer TEXT NOT NULL, claimed_at TEXT NOT NULL, expires_at TEXT NOT NULL, "
                           "PRIMARY KEY (item_id, reviewer))"),
        },
    };
    return steps;
}

} // namespace chorus::model
