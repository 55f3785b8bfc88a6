#include "app/auth.h"

#include "app/services.h"
#include "crypto/crypto.h"
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
    case Role::kOrchestrator:
      throw ApiError(ErrorKind::kUnauthorized, "Orchestrator token required");
  }
}

}  // namespace payments
