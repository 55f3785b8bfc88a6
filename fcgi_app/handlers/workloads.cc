#include "domain/workloads.h"

#include "app/services.h"
#include "handlers/handlers.h"
#include "handlers/idempotency.h"
#include "http/errors.h"
#include "http/fields.h"
#include "http/json.h"

namespace payments {
namespace {

Json::Value WorkloadJson(const WorkloadRecord& w) {
  Json::Value out(Json::objectValue);
  out["workload_id"] = w.workload_id;
  out["orchestrator_id"] = w.orchestrator_id;
  out["plan_id"] = JsonOrNull(w.plan_id);
  out["run_id"] = JsonOrNull(w.run_id);
  out["artifact_hash"] = JsonOrNull(w.artifact_hash);
  out["artifact_uri"] = JsonOrNull(w.artifact_uri);
  out["payout_amount_eth"] = w.payout_amount_eth.ToString();
  out["status"] = w.status;
  out["submitted_at"] = w.submitted_at;
  out["notes"] = JsonOrNull(w.notes);
  out["tx_hash"] = JsonOrNull(w.tx_hash);
  out["credited"] = w.credited;
  out["credited_at"] = JsonOrNull(w.credited_at);
  return out;
}

bool Blank(const std::optional<std::string>& value) {
  return !value || value->find_first_not_of(" \t\r\n") == std::string::npos;
}

// since/until: absent, or a parsable ISO-8601 timestamp (400 otherwise).
std::optional<Timestamp> TimeFilter(const Request& request, const char* name) {
  const std::optional<std::string> text = request.QueryParam(name);
  if (!text) return std::nullopt;
  const std::optional<Timestamp> parsed = Timestamp::ParseIso(*text);
  if (!parsed) throw ApiError(ErrorKind::kBadRequest, "Invalid timestamp filter");
  return parsed;
}

}  // namespace

Response CreateWorkloadHandler(RequestContext& context) {
  const Json::Value body = ParseJsonObject(context.request.body);
  FieldReader fields(body);
  WorkloadRecord workload;
  workload.workload_id = fields.String("workload_id", true, {1, 255}).value_or("");
  workload.orchestrator_id = fields.String("orchestrator_id", true, {1, 128}).value_or("");
  workload.plan_id = fields.String("plan_id", false, {0, 128});
  workload.run_id = fields.String("run_id", false, {0, 256});
  workload.artifact_hash = fields.String("artifact_hash", false, {0, 256});
  workload.artifact_uri = fields.String("artifact_uri", false, {0, 512});
  workload.notes = fields.String("notes", false, {0, 1024});
  const std::optional<Money> payout = fields.Amount("payout_amount_eth", true);
  if (payout && !payout->IsPositive()) {
    fields.AddError("payout_amount_eth", "Input should be greater than 0", "greater_than");
  }
  if (fields.ok() && Blank(workload.artifact_hash) && Blank(workload.artifact_uri)) {
    Json::Value detail(Json::arrayValue);
    detail.append(ValidationEntry(
        "body", "", "Value error, artifact_hash or artifact_uri is required", "value_error"));
    throw ApiError(ErrorKind::kUnprocessable, detail);
  }
  fields.Finish();
  workload.payout_amount_eth = *payout;

  return RunIdempotent(
      context, "POST /api/workloads", body,
      [&] {
        WorkloadRecord record = workload;
        switch (CreateWorkload(context.db, &record, Timestamp::Now())) {
          case CreateOutcome::kUnknownOrchestrator:
            throw ApiError(ErrorKind::kNotFound, "Unknown orchestrator");
          case CreateOutcome::kExists:
            throw ApiError(ErrorKind::kConflict, "Workload already exists");
          case CreateOutcome::kCreated:
            break;
        }
        return JsonResponse(200, WorkloadJson(record));
      },
      [] {});
}

Response ListWorkloads(RequestContext& context) {
  QueryReader query(context.request);
  WorkloadFilter filter;
  const std::optional<long long> limit = query.Int("limit", 1, 500, 100);
  query.Finish();
  filter.limit = static_cast<int>(*limit);
  filter.orchestrator_id = query.String("orchestrator_id");
  filter.status = query.String("status");
  if (filter.status && !IsWorkloadStatus(*filter.status)) {
    throw ApiError(ErrorKind::kBadRequest, "Invalid status filter");
  }
  filter.since = TimeFilter(context.request, "since");
  filter.until = TimeFilter(context.request, "until");
  std::vector<WorkloadRecord> records;
  context.db.Read([&] { records = WorkloadRepository(context.db).List(filter); });
  Json::Value list(Json::arrayValue);
  for (const WorkloadRecord& w : records) list.append(WorkloadJson(w));
  Json::Value out(Json::objectValue);
  out["workloads"] = list;
  return JsonResponse(200, out);
}

Response PatchWorkloadHandler(RequestContext& context) {
  const Json::Value body = ParseJsonObject(context.request.body);
  FieldReader fields(body);
  WorkloadPatch patch;
  patch.status = fields.String("status", false, {0, 0});
  if (patch.status && !IsWorkloadStatus(*patch.status)) {
    fields.AddError("status", "Input should be 'pending', 'verified', 'paid' or 'rejected'",
                    "enum");
  }
  patch.notes = fields.String("notes", false, {0, 1024});
  patch.tx_hash = fields.String("tx_hash", false, {0, 128});
  patch.artifact_uri = fields.String("artifact_uri", false, {0, 512});
  patch.artifact_hash = fields.String("artifact_hash", false, {0, 256});
  fields.Finish();

  PatchOutcome outcome;
  context.db.Transaction([&] {
    outcome = PatchWorkload(context.db, context.Param("workload_id"), patch, Timestamp::Now());
  });
  switch (outcome.kind) {
    case PatchOutcome::Kind::kNotFound:
      throw ApiError(ErrorKind::kNotFound, "Workload not found");
    case PatchOutcome::Kind::kBalanceOutOfRange:
      throw ApiError(ErrorKind::kConflict, "Balance would exceed the largest amount");
    case PatchOutcome::Kind::kUpdated:
      break;
  }
  if (outcome.credit) MirrorToJournal(context.services, *outcome.credit);
  return JsonResponse(200, WorkloadJson(outcome.workload));
}

Response WorkloadSummary(RequestContext& context) {
  const std::optional<Timestamp> since = TimeFilter(context.request, "since");
  const std::optional<Timestamp> until = TimeFilter(context.request, "until");
  std::vector<WorkloadSummaryRow> rows;
  context.db.Read([&] { rows = WorkloadRepository(context.db).Summary(since, until); });
  Json::Value list(Json::arrayValue);
  for (const WorkloadSummaryRow& row : rows) {
    Json::Value item(Json::objectValue);
    item["orchestrator_id"] = row.orchestrator_id;
    item["workloads"] = static_cast<Json::Int64>(row.workloads);
    item["earned_eth"] = row.earned_eth.ToString();
    item["pending_eth"] = row.pending_eth.ToString();
    list.append(item);
  }
  Json::Value out(Json::objectValue);
  const auto since_text = context.request.QueryParam("since");
  const auto until_text = context.request.QueryParam("until");
  out["range_start"] = since_text ? Json::Value(*since_text) : Json::Value();
  out["range_end"] = until_text ? Json::Value(*until_text) : Json::Value();
  out["orchestrators"] = list;
  return JsonResponse(200, out);
}

}  // namespace payments
