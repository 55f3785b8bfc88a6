#include "app/services.h"
#include "domain/registration.h"
#include "handlers/handlers.h"
#include "http/errors.h"
#include "http/fields.h"
#include "http/json.h"
#include "http/registration_input.h"

namespace payments {
namespace {

RegistrationInput ReadRegistration(const Request& request) {
  RegistrationInput input = RegistrationFromJson(ParseJsonObject(request.body));
  input.client_ip = request.remote_addr;
  return input;
}

}  // namespace

// The full record of GET /api/orchestrators, redacted when the caller's IP
// is not in PAYMENTS_MANAGER_IP_ALLOWLIST (if that list is set).
Json::Value OrchestratorJson(const OrchestratorRecord& r, Timestamp now, bool redact) {
  Json::Value out(Json::objectValue);
  out["orchestrator_id"] = r.orchestrator_id;
  out["address"] = r.address;
  out["balance_eth"] = r.balance.ToString();
  out["eligible_for_payments"] = IsEligible(r, now);
  out["is_top_100"] = r.is_top_100;
  out["denylisted"] = r.denylisted;
  out["cooldown_expires_at"] = JsonOrNull(r.cooldown_expires_at);
  out["cooldown_active"] = r.CooldownActive(now);
  out["first_seen"] = r.first_seen;
  out["last_seen"] = r.last_seen;
  out["registration_count"] = r.registration_count;
  out["contact_email"] = JsonOrNull(r.contact_email);
  out["capability"] = JsonOrNull(r.capability);
  out["host_public_ip"] = redact ? Json::Value() : JsonOrNull(r.host_public_ip);
  out["host_name"] = JsonOrNull(r.host_name);
  out["last_seen_ip"] = redact ? Json::Value() : JsonOrNull(r.last_seen_ip);
  out["last_missed_all_services"] = JsonOrNull(r.last_missed_all_services);
  out["last_healthy_at"] = JsonOrNull(r.last_healthy_at);
  out["last_cooldown_started_at"] = JsonOrNull(r.last_cooldown_started_at);
  out["last_cooldown_cleared_at"] = JsonOrNull(r.last_cooldown_cleared_at);
  out["health_url"] = redact ? Json::Value() : JsonOrNull(r.health_url);
  out["health_timeout"] = JsonOrNull(r.health_timeout);
  if (r.monitored_services) {
    Json::Value list(Json::arrayValue);
    for (const std::string& s : *r.monitored_services) list.append(s);
    out["monitored_services"] = list;
  } else {
    out["monitored_services"] = Json::Value();
  }
  out["min_service_uptime"] = JsonOrNull(r.min_service_uptime);
  return out;
}

bool ShouldRedact(const RequestContext& context) {
  const auto& allow = context.services.config.manager_ip_allowlist;
  return !allow.empty() && !IpInList(context.request.remote_addr, allow);
}

Response RegisterOrchestrator(RequestContext& context) {
  const RegistrationInput input = ReadRegistration(context.request);
  const Timestamp now = Timestamp::Now();
  const RegistrationOutcome outcome = Register(context.db, context.services, input, now);
  using Kind = RegistrationOutcome::Kind;
  switch (outcome.kind) {
    case Kind::kRateLimited:
      throw ApiError(ErrorKind::kTooManyRequests, "Too many registration attempts; slow down");
    case Kind::kDenylisted:
      throw ApiError(ErrorKind::kForbidden, "Address " + input.address + " is denylisted");
    case Kind::kNotTop:
      throw ApiError(ErrorKind::kForbidden, "Address is not part of the current top orchestrators");
    case Kind::kAddressTaken:
      throw ApiError(ErrorKind::kConflict, "Address is already registered to another orchestrator");
    case Kind::kAddressChanged:
      throw ApiError(ErrorKind::kConflict,
                     "Orchestrator is already registered with a different address");
    case Kind::kRegistered:
      break;
  }
  const OrchestratorRecord& r = outcome.record;
  Json::Value body(Json::objectValue);
  body["orchestrator_id"] = r.orchestrator_id;
  body["address"] = r.address;
  body["balance_eth"] = r.balance.ToString();
  body["eligible_for_payments"] = r.eligible_for_payments;
  body["is_top_100"] = r.is_top_100;
  body["denylisted"] = r.denylisted;
  body["registration_count"] = r.registration_count;
  body["cooldown_expires_at"] = JsonOrNull(r.cooldown_expires_at);
  std::string message = outcome.created ? "Registered orchestrator" : "Registration refreshed";
  if (r.CooldownActive(now)) message += " (cooldown active)";
  body["message"] = message;
  return JsonResponse(200, body);
}

Response ListOrchestrators(RequestContext& context) {
  std::vector<OrchestratorRecord> records;
  context.db.Read([&] { records = OrchestratorRepository(context.db).List(); });
  const Timestamp now = Timestamp::Now();
  const bool redact = ShouldRedact(context);
  Json::Value list(Json::arrayValue);
  for (const OrchestratorRecord& r : records) list.append(OrchestratorJson(r, now, redact));
  Json::Value body(Json::objectValue);
  body["orchestrators"] = list;
  return JsonResponse(200, body);
}

Response GetOrchestrator(RequestContext& context) {
  std::optional<OrchestratorRecord> record;
  context.db.Read(
      [&] { record = OrchestratorRepository(context.db).Find(context.Param("orchestrator_id")); });
  if (!record) throw ApiError(ErrorKind::kNotFound, "Not found");
  return JsonResponse(200, OrchestratorJson(*record, Timestamp::Now(), ShouldRedact(context)));
}

}  // namespace payments
