#include "domain/ledger.h"

#include "app/services.h"

namespace payments {

LedgerChange ApplyBalanceChange(LedgerRepository& ledger, const std::string& orchestrator_id,
                                Money delta, Money amount, const std::string& event_name,
                                const std::optional<std::string>& reason,
                                const Json::Value& metadata, Timestamp now, LedgerEvent* event) {
  const std::optional<Money> balance = ledger.LockBalance(orchestrator_id);
  if (!balance) return LedgerChange::kUnknownOrchestrator;
  Money updated;
  if (!balance->CheckedAdd(delta, &updated)) return LedgerChange::kOutOfRange;
  if (updated.IsNegative()) return LedgerChange::kInsufficientBalance;
  ledger.SetBalance(orchestrator_id, updated, now);
  event->orchestrator_id = orchestrator_id;
  event->event = event_name;
  event->amount = amount;
  event->balance = updated;
  event->delta = delta;
  event->reason = reason;
  event->metadata = metadata;
  ledger.Append(event, now);
  return LedgerChange::kApplied;
}

Json::Value LedgerEventJson(const LedgerEvent& e) {
  Json::Value out(Json::objectValue);
  out["timestamp"] = e.timestamp;
  out["event"] = e.event;
  out["orchestrator_id"] = e.orchestrator_id;
  out["amount"] = e.amount.ToString();
  out["balance"] = e.balance.ToString();
  out["delta"] = e.delta.ToString();
  out["reason"] = e.reason ? Json::Value(*e.reason) : Json::Value();
  out["metadata"] = e.metadata.isNull() ? Json::Value(Json::objectValue) : e.metadata;
  return out;
}

void MirrorToJournal(const Services& services, const LedgerEvent& event) {
  Json::Value line = LedgerEventJson(event);
  line["id"] = static_cast<Json::Int64>(event.id);
  services.ledger_journal.Append(line);
}

}  // namespace payments
