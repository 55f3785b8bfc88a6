#include "app/auth.h"

#include "app/services.h"
#include "crypto/crypto.h"
#include "domain/licensing.h"
#include "http/errors.h"

namespace payments {
namespace {

void RequireAdmin(const Config& config, const std::string& presented) {
  if (config.admin_token.empty()) {
    throw ApiError(ErrorKind::kUnavailable, "Admin API disabled: set PAYMENTS_API_ADMIN_TOKEN");
  }
  if (presented.empty() || !crypto::ConstantTimeEquals(presented, config.admin_token)) {
    throw ApiError(ErrorKind::kUnauthorized, "Admin token required");
  }
}

void RequireViewer(const Config& config, const std::string& presented) {
  if (config.admin_token.empty() && config.viewer_tokens.empty()) {
    throw ApiError(ErrorKind::kUnavailable,
                   "Viewer API disabled: set PAYMENTS_VIEWER_TOKENS or PAYMENTS_API_ADMIN_TOKEN");
  }
  bool match = false;
  if (!presented.empty()) {
    if (!config.admin_token.empty()) {
      match = crypto::ConstantTimeEquals(presented, config.admin_token) || match;
    }
    for (const std::string& token : config.viewer_tokens) {
      match = crypto::ConstantTimeEquals(presented, token) || match;
    }
  }
  if (!match) throw ApiError(ErrorKind::kUnauthorized, "Viewer token required");
}

}  // namespace

void AuthorizeRole(Role role, RequestContext& context) {
  const Config& config = context.services.config;
  switch (role) {
    case Role::kPublic:
      return;
    case Role::kAdmin:
      RequireAdmin(config, context.request.Header("x-admin-token"));
      return;
    case Role::kViewer:
      RequireViewer(config, context.request.Header("x-admin-token"));
      return;
    case Role::kOrchestrator: {
      // Bearer or X-Orchestrator-Token; looked up by SHA-256 through a
      // unique index, compared in constant time, last_seen_at updated.
      const std::string token = PresentedOrchestratorToken(
          context.request.Header("authorization"), context.request.Header("x-orchestrator-token"));
      const std::optional<std::string> orchestrator_id =
          Licensing(context.db, context.services, context.request.remote_addr)
              .Authenticate(token, Timestamp::Now());
      if (!orchestrator_id) throw ApiError(ErrorKind::kUnauthorized, "Orchestrator token required");
      context.orchestrator_id = *orchestrator_id;
      return;
    }
  }
}

}  // namespace payments
