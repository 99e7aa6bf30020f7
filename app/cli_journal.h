#pragma once
// The decision journal in chorus-cli (cli_journal.cpp): decide on a server project goes through
// it, claim sends what it holds first.

#include "cli_format.h"

#include "journal.h"

#include <QCommandLineParser>

namespace chorus::cli {

/// The decision decide's options describe (--item, --label | --accept | --flag, --note,
/// --uuid), with its item and label by name: resolved on the server when it is sent.
model::JournalEntry journalEntryFromOptions(const QCommandLineParser& p);

/// decide on a server project: the decision is written to the journal, then sent with the
/// project's earlier queued decisions. Returns kOk when the server acknowledged it, kQueued
/// when it waits in the journal (the server cannot be reached); throws model::Error when the
/// server refused it (it is then not kept).
int decideThroughJournal(const QString& uri, model::JournalEntry e, bool json);

/// Sends the journal's queued decisions of store's project (a server project with a journal
/// file), reporting them on stderr, and returns them as JSON (an empty array when there were
/// none). Throws model::ConnectionLostError when the server went away meanwhile.
Json sendQueuedFirst(model::ProjectStore& store, const QString& command);

} // namespace chorus::cli
