// Repositories of the payment cycle: the per-interval evaluations
// (`cycle_runs`), the pushed health reports (`health_reports`) and payouts
// (`payouts`). Every method runs on the caller's connection and inside the
// caller's transaction; *ForUpdate methods lock what they read until it
// ends. Not thread-safe (one Db, one thread).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/money.h"
#include "domain/timestamp.h"
#include "storage/db.h"

namespace payments {

// One evaluation of one orchestrator in one interval.
struct CycleRun {
  std::string orchestrator_id;
  Timestamp interval_start;
  std::string outcome;                // credited | healthy | partial | missed | unknown
  std::optional<std::string> source;  // "url" or "push"
  std::optional<int> services_up;
  std::optional<int> total_services;
  std::optional<long long> ledger_event_id;
  std::optional<std::string> detail;
};

class CycleRunRepository {
 public:
  explicit CycleRunRepository(Db& db) : db_(db) {}

  bool Exists(const std::string& orchestrator_id, Timestamp interval_start);
  // Orchestrators already evaluated in the interval (by any process).
  std::set<std::string> EvaluatedIn(Timestamp interval_start);
  void Insert(const CycleRun& run, Timestamp now);
  // Deletes up to `limit` rows of intervals before `before`; returns how many.
  int Prune(Timestamp before, int limit);

 private:
  Db& db_;
};

struct StoredHealthReport {
  std::string body;  // the validated report as JSON text
  Timestamp reported_at;
};

class HealthReportRepository {
 public:
  explicit HealthReportRepository(Db& db) : db_(db) {}

  void Upsert(const std::string& orchestrator_id, const std::string& body, Timestamp now,
              const std::string& ip);
  // Reports received at or after `since`, by orchestrator id.
  std::unordered_map<std::string, StoredHealthReport> ReceivedSince(Timestamp since);

 private:
  Db& db_;
};

struct PayoutRecord {
  long long id = 0;
  std::string orchestrator_id;
  std::string to_address;
  Money amount;
  std::string mode;    // dry_run | live
  std::string status;  // simulated | pending | sent | confirmed | failed | unknown
  Timestamp interval_start;
  std::optional<std::string> from_address;
  std::optional<long long> chain_id;
  std::optional<std::string> tx_hash;
  std::optional<std::string> error;
  std::optional<std::string> send_started_at;  // ISO-8601
  std::optional<std::string> sent_at;
  std::optional<std::string> finished_at;
  std::optional<long long> ledger_event_id;
  std::string created_at;
  std::string updated_at;

  // pending, sent and unknown payouts hold the orchestrator's open slot.
  bool IsOpen() const { return status == "pending" || status == "sent" || status == "unknown"; }
};

struct PayoutFilter {
  std::optional<std::string> orchestrator_id;
  std::optional<std::string> status;
  int limit = 100;
};

class PayoutRepository {
 public:
  explicit PayoutRepository(Db& db) : db_(db) {}

  // Inserts the record; returns its id, or 0 when the orchestrator already
  // has a payout in that interval or an open payout (nothing written).
  long long Insert(const PayoutRecord& record, Timestamp now);
  std::optional<PayoutRecord> FindForUpdate(long long id);
  // Writes status, tx hash, error, the send/finish times, the ledger event
  // and the open slot (held while IsOpen()).
  void Update(const PayoutRecord& record, Timestamp now);
  // Marks a pending, not yet attempted payout as being sent by this process.
  // Only one caller wins; returns whether it was this one.
  bool ClaimForSend(long long id, Timestamp now);
  // Whether the orchestrator has a pending, sent or unknown payout.
  bool HasOpen(const std::string& orchestrator_id);
  // Newest first.
  std::vector<PayoutRecord> List(const PayoutFilter& filter);
  // Orchestrators whose balance — less their simulated payouts when
  // `net_of_simulated` — is at least `threshold` and that have no open
  // payout, by id.
  std::vector<std::string> DueForPayout(Money threshold, bool net_of_simulated, int limit);
  // The sum of the orchestrator's simulated payouts.
  Money SimulatedTotal(const std::string& orchestrator_id);
  // Oldest first: the payouts a cycle must carry on with.
  std::vector<PayoutRecord> ListByStatus(const std::string& status, int limit);

 private:
  Db& db_;
};

}  // namespace payments
