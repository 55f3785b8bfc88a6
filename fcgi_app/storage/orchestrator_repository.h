// OrchestratorRepository: the `orchestrators` rows and their balances.
// Every method runs on the caller's connection inside the caller's
// transaction (or autocommit read); the *ForUpdate methods lock the rows
// they read until that transaction ends. Not thread-safe (one Db, one thread).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/money.h"
#include "domain/timestamp.h"
#include "storage/db.h"

namespace payments {

struct OrchestratorRecord {
  std::string orchestrator_id;
  std::string address;
  std::string address_key;  // lower-cased address
  std::optional<std::string> capability;
  std::optional<std::string> contact_email;
  std::optional<std::string> host_public_ip;
  std::optional<std::string> host_name;
  std::optional<std::string> health_url;
  std::optional<double> health_timeout;
  std::optional<std::vector<std::string>> monitored_services;
  std::optional<double> min_service_uptime;
  std::optional<std::string> last_seen_ip;
  bool is_top_100 = true;
  bool denylisted = false;
  bool eligible_for_payments = true;
  int registration_count = 0;
  int consecutive_misses = 0;
  std::string first_seen;  // ISO-8601
  std::string last_seen;
  std::optional<std::string> cooldown_expires_at;
  std::optional<std::string> last_missed_all_services;
  std::optional<std::string> last_healthy_at;
  std::optional<std::string> last_cooldown_started_at;
  std::optional<std::string> last_cooldown_cleared_at;
  Money balance;

  // Whether cooldown_expires_at lies after `now`.
  bool CooldownActive(Timestamp now) const;
};

class OrchestratorRepository {
 public:
  explicit OrchestratorRepository(Db& db) : db_(db) {}

  std::optional<OrchestratorRecord> Find(const std::string& orchestrator_id);
  std::optional<OrchestratorRecord> FindForUpdate(const std::string& orchestrator_id);
  // Whether the orchestrator is registered. Inside a transaction it takes a
  // shared lock on the row, so the orchestrator cannot vanish before commit.
  bool Exists(const std::string& orchestrator_id);
  // The id holding `address_key`, locking that row.
  std::optional<std::string> IdByAddressForUpdate(const std::string& address_key);
  // All records ordered by orchestrator_id.
  std::vector<OrchestratorRecord> List();

  // Marks the record holding `address_key` denylisted and ineligible.
  // Returns its id, or nullopt when no record has that address.
  std::optional<std::string> MarkDenylisted(const std::string& address_key);

  // Inserts the record and its zero balance. `record.first_seen` etc. are
  // ISO strings; they are stored as DATETIME(6).
  void Insert(const OrchestratorRecord& record);
  // Writes every registration-managed column of an existing record.
  void Update(const OrchestratorRecord& record);
  // Writes the columns the payment cycle and the cooldown routes manage:
  // consecutive_misses, cooldown_expires_at, last_missed_all_services,
  // last_healthy_at, last_cooldown_started_at, last_cooldown_cleared_at and
  // eligible_for_payments.
  void UpdateHealthState(const OrchestratorRecord& record);
  // Ids whose cooldown has an expiry at or before `now` (not yet cleared).
  std::vector<std::string> ExpiredCooldowns(Timestamp now);

 private:
  std::optional<OrchestratorRecord> FindBy(const std::string& orchestrator_id, bool for_update);
  Db& db_;
};

// Rate-limit windows shared by every worker, kept in MySQL.
class RateLimitRepository {
 public:
  struct Window {
    int seconds;
    int limit;
  };
  explicit RateLimitRepository(Db& db) : db_(db) {}

  // Locks every bucket (in sorted order, so concurrent callers cannot
  // deadlock each other), counts its hits inside each window, and — when
  // every bucket is under every limit — records one hit per bucket and
  // returns true. Returns false, recording nothing, when any limit is
  // reached. Must run inside a transaction.
  bool Acquire(std::vector<std::string> buckets, Timestamp now, const std::vector<Window>& windows);

 private:
  Db& db_;
};

}  // namespace payments
