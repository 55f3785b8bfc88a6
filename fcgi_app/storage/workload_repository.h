// WorkloadRepository: the `workloads` rows. Runs on the caller's connection
// and transaction; FindForUpdate locks the row until the transaction ends,
// which is what makes "credited at most once" hold across workers. Not
// thread-safe (one Db, one thread).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/money.h"
#include "domain/timestamp.h"
#include "storage/db.h"

namespace payments {

struct WorkloadRecord {
  std::string workload_id;
  std::string orchestrator_id;
  std::optional<std::string> plan_id;
  std::optional<std::string> run_id;
  std::optional<std::string> artifact_hash;
  std::optional<std::string> artifact_uri;
  Money payout_amount_eth;
  std::string status;
  std::string submitted_at;  // ISO-8601
  std::optional<std::string> notes;
  std::optional<std::string> tx_hash;
  bool credited = false;
  std::optional<std::string> credited_at;
};

struct WorkloadFilter {
  std::optional<std::string> orchestrator_id;
  std::optional<std::string> status;
  std::optional<Timestamp> since;  // submitted_at >= since
  std::optional<Timestamp> until;  // submitted_at <= until
  int limit = 100;
};

struct WorkloadSummaryRow {
  std::string orchestrator_id;
  long long workloads = 0;
  Money earned_eth;
  Money pending_eth;
};

class WorkloadRepository {
 public:
  explicit WorkloadRepository(Db& db) : db_(db) {}

  std::optional<WorkloadRecord> FindForUpdate(const std::string& workload_id);
  void Insert(const WorkloadRecord& record);
  // Writes the mutable columns (status, notes, tx_hash, artifacts, credit).
  void Update(const WorkloadRecord& record);
  // Newest submitted first.
  std::vector<WorkloadRecord> List(const WorkloadFilter& filter);
  // Per orchestrator, sorted by id.
  std::vector<WorkloadSummaryRow> Summary(const std::optional<Timestamp>& since,
                                          const std::optional<Timestamp>& until);

 private:
  Db& db_;
};

}  // namespace payments
