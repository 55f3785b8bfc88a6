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

      {"POST", "/api/workloads", R::kAdmin, CreateWorkloadHandler},
      {"GET", "/api/workloads", R::kViewer, ListWorkloads},
      {"GET", "/api/workloads/summary", R::kViewer, WorkloadSummary},
      {"PATCH", "/api/workloads/{workload_id}", R::kAdmin, PatchWorkloadHandler},

      {"POST", "/api/ledger/adjustments", R::kAdmin, PostAdjustment},
      {"GET", "/api/ledger/events", R::kViewer, ListLedgerEvents},
  };
}

}  // namespace payments
