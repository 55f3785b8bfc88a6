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
  };
}

}  // namespace payments
