// Ledger rules: every balance change is a locked read of the balance, an
// exact Money computation, the new balance and one journal row — all in the
// caller's transaction — and, after commit, one JSONL line in the ledger
// journal file.
#pragma once

#include <json/value.h>

#include <optional>
#include <string>

#include "storage/ledger_repository.h"

namespace payments {

struct Services;

enum class LedgerChange {
  kApplied,
  kUnknownOrchestrator,
  kInsufficientBalance,  // the balance would go below zero
  kOutOfRange,           // the balance would leave DECIMAL(38,18)
};

// Applies `delta` to the orchestrator's balance inside the open transaction.
// On kApplied, *event holds the journal row written (id, balance after).
// `amount` is what the event is about: the signed delta for credits and
// adjustments, the paid (positive) amount for payouts.
LedgerChange ApplyBalanceChange(LedgerRepository& ledger, const std::string& orchestrator_id,
                                Money delta, Money amount, const std::string& event_name,
                                const std::optional<std::string>& reason,
                                const Json::Value& metadata, Timestamp now, LedgerEvent* event);

// The API.md shape of an event: {timestamp, event, orchestrator_id, amount,
// balance, delta, reason, metadata}.
Json::Value LedgerEventJson(const LedgerEvent& event);

// Appends the committed event to PAYMENTS_LEDGER_JOURNAL_PATH (with its id).
void MirrorToJournal(const Services& services, const LedgerEvent& event);

}  // namespace payments
