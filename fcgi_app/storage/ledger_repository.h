// LedgerRepository: balances and the append-only ledger_events journal.
// Runs on the caller's connection and transaction; LockBalance holds the
// balance row until the transaction ends, which is what makes concurrent
// credits to one orchestrator add up. Not thread-safe (one Db, one thread).
#pragma once

#include <json/value.h>

#include <optional>
#include <string>
#include <vector>

#include "domain/money.h"
#include "domain/timestamp.h"
#include "storage/db.h"

namespace payments {

struct LedgerEvent {
  long long id = 0;
  std::string timestamp;  // ISO-8601
  std::string event;      // "credit", "payout", ...
  std::string orchestrator_id;
  Money amount;
  Money balance;  // after the change
  Money delta;
  std::optional<std::string> reason;
  Json::Value metadata;  // object or null
};

class LedgerRepository {
 public:
  explicit LedgerRepository(Db& db) : db_(db) {}

  // The balance of `orchestrator_id`, locked FOR UPDATE; nullopt when the
  // orchestrator does not exist.
  std::optional<Money> LockBalance(const std::string& orchestrator_id);
  void SetBalance(const std::string& orchestrator_id, Money balance, Timestamp now);
  // Inserts the event and returns its id (also stored into event->id).
  long long Append(LedgerEvent* event, Timestamp now);
  // Newest first; all orchestrators when `orchestrator_id` is empty.
  std::vector<LedgerEvent> List(const std::string& orchestrator_id, int limit);

 private:
  Db& db_;
};

// Idempotency keys (see sql/002): the stored first response for a key.
class IdempotencyRepository {
 public:
  struct Stored {
    std::string request_hash;
    int status = 0;
    std::string body;
  };
  explicit IdempotencyRepository(Db& db) : db_(db) {}

  // The stored entry, locked; nullopt when the key is new.
  std::optional<Stored> FindForUpdate(const std::string& scope, const std::string& key);
  // Claims a new key before the work is done. A concurrent first request
  // with the same key blocks here until this transaction ends, then fails
  // with a duplicate-key error that Db::Transaction retries — and the retry
  // finds the stored response and replays it.
  void Reserve(const std::string& scope, const std::string& key, const std::string& request_hash,
               Timestamp now);
  // Stores the response of the request that reserved the key.
  void Complete(const std::string& scope, const std::string& key, int status,
                const std::string& body);
  // Deletes up to `batch` entries older than `cutoff`.
  void Purge(Timestamp cutoff, int batch);

 private:
  Db& db_;
};

}  // namespace payments
