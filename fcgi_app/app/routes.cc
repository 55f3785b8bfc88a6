#include "app/routes.h"

#include "handlers/handlers.h"

namespace payments {

std::vector<Route> ApiRoutes() {
  using R = Role;
  // Order matters only where a literal segment and a {param} could both
  // match: the literal route comes first.
  return {
      {"GET", "/api/health", R::kPublic, GetHealth},

      {"POST", "/api/orchestrators/register", R::kPublic, RegisterOrchestrator},
      {"GET", "/api/orchestrators", R::kViewer, ListOrchestrators},
      {"GET", "/api/orchestrators/{orchestrator_id}", R::kViewer, GetOrchestrator},

      // The payment cycle (cycle.cc).
      {"POST", "/api/orchestrators/{orchestrator_id}/health", R::kOrchestrator, PushHealthReport},
      {"POST", "/api/orchestrators/{orchestrator_id}/cooldown", R::kAdmin, StartCooldownHandler},
      {"DELETE", "/api/orchestrators/{orchestrator_id}/cooldown", R::kAdmin, ClearCooldownHandler},
      {"GET", "/api/payouts", R::kViewer, ListPayouts},
      {"POST", "/api/payouts/{payout_id}/resolve", R::kAdmin, ResolvePayout},

      {"POST", "/api/workloads", R::kAdmin, CreateWorkloadHandler},
      {"GET", "/api/workloads", R::kViewer, ListWorkloads},
      {"GET", "/api/workloads/summary", R::kViewer, WorkloadSummary},
      {"PATCH", "/api/workloads/{workload_id}", R::kAdmin, PatchWorkloadHandler},

      {"POST", "/api/ledger/adjustments", R::kAdmin, PostAdjustment},
      {"GET", "/api/ledger/events", R::kViewer, ListLedgerEvents},

      // Image licensing (licenses.cc).
      {"POST", "/api/licenses/orchestrators/{orchestrator_id}/tokens", R::kAdmin,
       MintOrchestratorToken},
      {"GET", "/api/licenses/orchestrators/{orchestrator_id}/tokens", R::kAdmin,
       ListOrchestratorTokens},
      {"DELETE", "/api/licenses/orchestrators/{orchestrator_id}/tokens/{token_id}", R::kAdmin,
       RevokeOrchestratorToken},
      {"PUT", "/api/licenses/images", R::kAdmin, PutLicenseImage},
      {"GET", "/api/licenses/images", R::kAdmin, ListLicenseImages},
      {"POST", "/api/licenses/images/revoke", R::kAdmin, RevokeLicenseImage},
      {"GET", "/api/licenses/access", R::kAdmin, GetLicenseAccess},
      {"POST", "/api/licenses/access/grant", R::kAdmin, GrantLicenseAccess},
      {"POST", "/api/licenses/access/revoke", R::kAdmin, RevokeLicenseAccess},
      {"POST", "/api/licenses/lease", R::kOrchestrator, IssueLicenseLease},
      {"POST", "/api/licenses/lease/{lease_id}/heartbeat", R::kOrchestrator, HeartbeatLicenseLease},
      {"GET", "/api/licenses/leases", R::kViewer, ListLicenseLeases},
  };
}

}  // namespace payments
