// Workload rules (API.md, "Workloads"): creation, and the PATCH that may
// credit a workload's payout — exactly once, in the same transaction as the
// update and its journal row, with the workload row locked so that any
// number of concurrent PATCHes in any worker processes credit it once.
#pragma once

#include <optional>
#include <string>

#include "domain/ledger.h"
#include "storage/workload_repository.h"

namespace payments {

inline constexpr const char* kWorkloadStatuses[] = {"pending", "verified", "paid", "rejected"};
bool IsWorkloadStatus(const std::string& status);

// Not yet credited, verified or paid, and with an artifact: a `.webm` URI
// (case-insensitive) or a non-empty hash.
bool IsCreditable(const WorkloadRecord& workload);

struct WorkloadPatch {
  std::optional<std::string> status;
  std::optional<std::string> notes;
  std::optional<std::string> tx_hash;
  std::optional<std::string> artifact_uri;
  std::optional<std::string> artifact_hash;
};

struct PatchOutcome {
  enum class Kind { kUpdated, kNotFound, kBalanceOutOfRange };
  Kind kind = Kind::kUpdated;
  WorkloadRecord workload;
  std::optional<LedgerEvent> credit;  // set when this PATCH credited it
};

// Runs the PATCH in one transaction (call inside Db::Transaction).
PatchOutcome PatchWorkload(Db& db, const std::string& workload_id, const WorkloadPatch& patch,
                           Timestamp now);

enum class CreateOutcome { kCreated, kUnknownOrchestrator, kExists };
// Inserts a pending workload (call inside Db::Transaction).
CreateOutcome CreateWorkload(Db& db, WorkloadRecord* workload, Timestamp now);

}  // namespace payments
