// Every route handler, one file per resource. A handler reads the request,
// calls domain logic or a repository, and shapes the JSON answer; it never
// builds SQL. Failures are thrown as ApiError.
#pragma once

#include <json/value.h>

#include "domain/timestamp.h"
#include "http/router.h"
#include "storage/orchestrator_repository.h"

namespace payments {

// health.cc
Response GetHealth(RequestContext& context);

// orchestrators.cc
Response RegisterOrchestrator(RequestContext& context);
Response ListOrchestrators(RequestContext& context);
Response GetOrchestrator(RequestContext& context);
// The record of GET /api/orchestrators/{id}, redacted as API.md says when
// ShouldRedact (the caller's IP is outside PAYMENTS_MANAGER_IP_ALLOWLIST).
Json::Value OrchestratorJson(const OrchestratorRecord& record, Timestamp now, bool redact);
bool ShouldRedact(const RequestContext& context);

// cycle.cc: the payment cycle's routes.
Response PushHealthReport(RequestContext& context);
Response StartCooldownHandler(RequestContext& context);
Response ClearCooldownHandler(RequestContext& context);
Response ListPayouts(RequestContext& context);
Response ResolvePayout(RequestContext& context);

// workloads.cc
Response CreateWorkloadHandler(RequestContext& context);
Response ListWorkloads(RequestContext& context);
Response PatchWorkloadHandler(RequestContext& context);
Response WorkloadSummary(RequestContext& context);

// ledger.cc
Response PostAdjustment(RequestContext& context);
Response ListLedgerEvents(RequestContext& context);

// licenses.cc
Response MintOrchestratorToken(RequestContext& context);
Response ListOrchestratorTokens(RequestContext& context);
Response RevokeOrchestratorToken(RequestContext& context);
Response PutLicenseImage(RequestContext& context);
Response ListLicenseImages(RequestContext& context);
Response RevokeLicenseImage(RequestContext& context);
Response GetLicenseAccess(RequestContext& context);
Response GrantLicenseAccess(RequestContext& context);
Response RevokeLicenseAccess(RequestContext& context);
Response IssueLicenseLease(RequestContext& context);
Response HeartbeatLicenseLease(RequestContext& context);
Response ListLicenseLeases(RequestContext& context);

}  // namespace payments
