// The payment cycle's routes: orchestrators push health reports, admins
// start and clear cooldowns, viewers list payouts (docs/api.md).
#include <regex>

#include "app/services.h"
#include "cycle/health_report.h"
#include "cycle/payouts.h"
#include "domain/health_state.h"
#include "handlers/handlers.h"
#include "http/errors.h"
#include "http/fields.h"
#include "http/json.h"
#include "storage/cycle_repository.h"

namespace payments {
namespace {

constexpr double kMaxCooldownSeconds = 86400.0 * 365;

bool IsPayoutStatus(const std::string& status) {
  return status == "simulated" || status == "pending" || status == "sent" ||
         status == "confirmed" || status == "failed" || status == "unknown";
}

Json::Value PayoutJson(const PayoutRecord& p) {
  Json::Value out(Json::objectValue);
  out["id"] = static_cast<Json::Int64>(p.id);
  out["orchestrator_id"] = p.orchestrator_id;
  out["to_address"] = p.to_address;
  out["amount_eth"] = p.amount.ToString();
  out["mode"] = p.mode;
  out["status"] = p.status;
  out["interval_start"] = p.interval_start.ToIso();
  out["from_address"] = JsonOrNull(p.from_address);
  out["chain_id"] = p.chain_id ? Json::Value(static_cast<Json::Int64>(*p.chain_id)) : Json::Value();
  out["tx_hash"] = JsonOrNull(p.tx_hash);
  out["error"] = JsonOrNull(p.error);
  out["ledger_event_id"] =
      p.ledger_event_id ? Json::Value(static_cast<Json::Int64>(*p.ledger_event_id)) : Json::Value();
  out["created_at"] = p.created_at;
  out["updated_at"] = p.updated_at;
  out["sent_at"] = JsonOrNull(p.sent_at);
  out["finished_at"] = JsonOrNull(p.finished_at);
  return out;
}

// `seconds` of POST .../cooldown: an integer from 1 to one year; absent (or
// an empty body) means PAYMENTS_COOLDOWN_SECONDS.
int CooldownSeconds(const Request& request, int fallback) {
  if (TrimSpace(request.body).empty()) return fallback;
  const Json::Value body = ParseJsonObject(request.body);
  FieldReader fields(body);
  const std::optional<double> seconds = fields.Number("seconds", 1, kMaxCooldownSeconds);
  if (seconds && *seconds != static_cast<double>(static_cast<long long>(*seconds))) {
    fields.AddError("seconds", "Input should be a valid integer", "int_type");
  }
  fields.Finish();
  return seconds ? static_cast<int>(*seconds) : fallback;
}

// Runs `change` on the locked record and stores it; 404 when the
// orchestrator does not exist. Writes `audit` (if change returned a line)
// after commit and answers with the record.
Response ChangeHealthState(
    RequestContext& context,
    const std::function<std::optional<Json::Value>(OrchestratorRecord&, Timestamp)>& change) {
  const std::string id = context.Param("orchestrator_id");
  std::optional<OrchestratorRecord> record;
  std::optional<Json::Value> audit;
  const Timestamp now = Timestamp::Now();
  context.db.Transaction([&] {
    OrchestratorRepository orchestrators(context.db);
    record = orchestrators.FindForUpdate(id);
    audit.reset();
    if (!record) return;
    audit = change(*record, now);
    if (audit) orchestrators.UpdateHealthState(*record);
  });
  if (!record) throw ApiError(ErrorKind::kNotFound, "Not found");
  if (audit) {
    (*audit)["request_ip"] = context.request.remote_addr;
    context.services.registry_audit.Append(*audit);
  }
  return JsonResponse(200, OrchestratorJson(*record, now, ShouldRedact(context)));
}

}  // namespace

Response PushHealthReport(RequestContext& context) {
  const std::string id = context.Param("orchestrator_id");
  if (context.orchestrator_id != id) {
    throw ApiError(ErrorKind::kForbidden, "Token does not belong to this orchestrator");
  }
  if (context.request.body.size() > kMaxHealthReportBytes) {
    ThrowValidation("body", "summary", "Health report larger than 64 KiB", "value_error");
  }
  const Json::Value body = ParseJsonObject(context.request.body);
  std::string error;
  const std::optional<HealthReport> report = ParseHealthReport(body, &error);
  if (!report) ThrowValidation("body", "summary", error, "value_error");
  const Timestamp now = Timestamp::Now();
  context.db.Transaction([&] {
    HealthReportRepository(context.db)
        .Upsert(id, ToJson(HealthReportJson(*report)), now, context.request.remote_addr);
  });
  Json::Value out(Json::objectValue);
  out["orchestrator_id"] = id;
  out["received_at"] = now.ToIso();
  out["services_up"] = report->services_up;
  out["total_services"] = report->total_services;
  out["eligible_for_payment"] = report->eligible_for_payment;
  out["message"] = "Health report recorded";
  return JsonResponse(200, out);
}

Response StartCooldownHandler(RequestContext& context) {
  const int seconds =
      CooldownSeconds(context.request, context.services.config.cycle.cooldown_seconds);
  return ChangeHealthState(context, [&](OrchestratorRecord& record, Timestamp now) {
    StartCooldown(record, now, seconds);
    Json::Value line = CooldownAuditLine("cooldown_started", record, "admin", "admin request");
    line["seconds"] = seconds;
    return std::optional<Json::Value>(line);
  });
}

Response ClearCooldownHandler(RequestContext& context) {
  return ChangeHealthState(context, [&](OrchestratorRecord& record, Timestamp now) {
    // Clearing when there is no cooldown changes nothing and audits nothing.
    if (!record.CooldownActive(now)) return std::optional<Json::Value>();
    ClearCooldown(record, now);
    return std::optional<Json::Value>(
        CooldownAuditLine("cooldown_cleared", record, "admin", "admin request"));
  });
}

Response ResolvePayout(RequestContext& context) {
  const std::string id_text = context.Param("payout_id");
  static const std::regex kId("^[1-9][0-9]{0,17}$");
  if (!std::regex_match(id_text, kId)) throw ApiError(ErrorKind::kNotFound, "Payout not found");
  const Json::Value body = ParseJsonObject(context.request.body);
  FieldReader fields(body);
  PayoutResolution resolution;
  if (auto outcome = fields.String("outcome", true, {0, 0})) {
    if (*outcome != "sent" && *outcome != "failed") {
      fields.AddError("outcome", "Input should be 'sent' or 'failed'", "enum");
    }
    resolution.sent = *outcome == "sent";
  }
  if (auto hash = fields.String("tx_hash", false, {0, 0})) {
    static const std::regex kHash("^0x[0-9a-fA-F]{64}$");
    if (!std::regex_match(*hash, kHash)) {
      fields.AddError("tx_hash", "String should match pattern '^0x[0-9a-fA-F]{64}$'",
                      "string_pattern_mismatch");
    }
    resolution.tx_hash = ToLower(*hash);
  }
  resolution.note = fields.String("note", false, {0, 256}).value_or("");
  if (resolution.sent && resolution.tx_hash.empty()) {
    fields.AddError("tx_hash", "Field required when outcome is 'sent'", "missing");
  }
  fields.Finish();

  PayoutRecord payout;
  switch (ResolveUnknownPayout(context.db, std::stoll(id_text), resolution, Timestamp::Now(),
                               &payout)) {
    case ResolveOutcome::kNotFound:
      throw ApiError(ErrorKind::kNotFound, "Payout not found");
    case ResolveOutcome::kNotUnknown:
      throw ApiError(
          ErrorKind::kConflict,
          "Only a payout with status unknown can be resolved (this one is " + payout.status + ")");
    case ResolveOutcome::kResolved:
      break;
  }
  Json::Value line(Json::objectValue);
  line["event"] = "payout_resolved";
  line["payout_id"] = static_cast<Json::Int64>(payout.id);
  line["orchestrator_id"] = payout.orchestrator_id;
  line["outcome"] = resolution.sent ? "sent" : "failed";
  line["tx_hash"] = resolution.sent ? Json::Value(resolution.tx_hash) : Json::Value();
  line["note"] = resolution.note;
  line["request_ip"] = context.request.remote_addr;
  context.services.registry_audit.Append(line);
  return JsonResponse(200, PayoutJson(payout));
}

Response ListPayouts(RequestContext& context) {
  QueryReader query(context.request);
  const std::optional<long long> limit = query.Int("limit", 1, 1000, 100);
  query.Finish();
  PayoutFilter filter;
  filter.limit = static_cast<int>(*limit);
  filter.orchestrator_id = query.String("orchestrator_id");
  filter.status = query.String("status");
  if (filter.status && !IsPayoutStatus(*filter.status)) {
    throw ApiError(ErrorKind::kBadRequest, "Invalid status filter");
  }
  std::vector<PayoutRecord> payouts;
  context.db.Read([&] { payouts = PayoutRepository(context.db).List(filter); });
  Json::Value list(Json::arrayValue);
  for (const PayoutRecord& p : payouts) list.append(PayoutJson(p));
  Json::Value out(Json::objectValue);
  out["payouts"] = list;
  return JsonResponse(200, out);
}

}  // namespace payments
