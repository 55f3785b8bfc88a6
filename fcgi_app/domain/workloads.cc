#include "domain/workloads.h"

#include <algorithm>

#include "config/config.h"
#include "storage/orchestrator_repository.h"

namespace payments {

bool IsWorkloadStatus(const std::string& status) {
  return std::find(std::begin(kWorkloadStatuses), std::end(kWorkloadStatuses), status) !=
         std::end(kWorkloadStatuses);
}

bool IsCreditable(const WorkloadRecord& w) {
  if (w.credited) return false;
  if (w.status != "verified" && w.status != "paid") return false;
  const bool webm = w.artifact_uri && w.artifact_uri->size() >= 5 &&
                    ToLower(w.artifact_uri->substr(w.artifact_uri->size() - 5)) == ".webm";
  const bool hashed = w.artifact_hash && !w.artifact_hash->empty();
  return webm || hashed;
}

PatchOutcome PatchWorkload(Db& db, const std::string& workload_id, const WorkloadPatch& patch,
                           Timestamp now) {
  PatchOutcome outcome;
  WorkloadRepository workloads(db);
  std::optional<WorkloadRecord> found = workloads.FindForUpdate(workload_id);
  if (!found) {
    outcome.kind = PatchOutcome::Kind::kNotFound;
    return outcome;
  }
  WorkloadRecord w = std::move(*found);
  if (patch.status) w.status = *patch.status;
  if (patch.notes) w.notes = patch.notes;
  if (patch.tx_hash) w.tx_hash = patch.tx_hash;
  if (patch.artifact_uri) w.artifact_uri = patch.artifact_uri;
  if (patch.artifact_hash) w.artifact_hash = patch.artifact_hash;
  if (IsCreditable(w)) {
    Json::Value metadata(Json::objectValue);
    metadata["workload_id"] = w.workload_id;
    metadata["plan_id"] = w.plan_id ? Json::Value(*w.plan_id) : Json::Value();
    metadata["run_id"] = w.run_id ? Json::Value(*w.run_id) : Json::Value();
    metadata["status"] = w.status;
    metadata["artifact_uri"] = w.artifact_uri ? Json::Value(*w.artifact_uri) : Json::Value();
    metadata["artifact_hash"] = w.artifact_hash ? Json::Value(*w.artifact_hash) : Json::Value();
    LedgerRepository ledger(db);
    LedgerEvent event;
    const LedgerChange change =
        ApplyBalanceChange(ledger, w.orchestrator_id, w.payout_amount_eth, w.payout_amount_eth,
                           "credit", std::string("workload"), metadata, now, &event);
    if (change != LedgerChange::kApplied) {
      // A workload's orchestrator always exists (foreign key); a payout can
      // only fail by overflowing the balance.
      outcome.kind = PatchOutcome::Kind::kBalanceOutOfRange;
      return outcome;
    }
    w.credited = true;
    w.credited_at = now.ToIso();
    outcome.credit = std::move(event);
  }
  workloads.Update(w);
  outcome.workload = std::move(w);
  return outcome;
}

CreateOutcome CreateWorkload(Db& db, WorkloadRecord* workload, Timestamp now) {
  if (!OrchestratorRepository(db).Exists(workload->orchestrator_id)) {
    return CreateOutcome::kUnknownOrchestrator;
  }
  WorkloadRepository workloads(db);
  if (workloads.FindForUpdate(workload->workload_id)) return CreateOutcome::kExists;
  workload->status = "pending";
  workload->submitted_at = now.ToIso();
  workload->credited = false;
  workload->credited_at.reset();
  workloads.Insert(*workload);
  return CreateOutcome::kCreated;
}

}  // namespace payments
