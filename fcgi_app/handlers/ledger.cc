#include "domain/ledger.h"

#include "app/services.h"
#include "handlers/handlers.h"
#include "handlers/idempotency.h"
#include "http/errors.h"
#include "http/fields.h"
#include "http/json.h"

namespace payments {

Response PostAdjustment(RequestContext& context) {
  const Json::Value body = ParseJsonObject(context.request.body);
  FieldReader fields(body);
  const std::string orchestrator_id = fields.String("orchestrator_id", true, {1, 128}).value_or("");
  const std::optional<Money> amount = fields.Amount("amount_eth", true);
  if (amount && amount->IsZero()) {
    fields.AddError("amount_eth", "Value error, amount_eth must be non-zero", "value_error");
  }
  std::string reason = fields.String("reason", false, {0, 256}).value_or("");
  if (reason.empty()) reason = "adjustment";
  const std::optional<std::string> reference =
      fields.String("reference_workload_id", false, {0, 256});
  const std::optional<std::string> notes = fields.String("notes", false, {0, 1024});
  fields.Finish();

  LedgerEvent event;
  return RunIdempotent(
      context, "POST /api/ledger/adjustments", body,
      [&] {
        Json::Value metadata(Json::objectValue);
        if (reference) metadata["reference_workload_id"] = *reference;
        if (notes) metadata["notes"] = *notes;
        LedgerRepository ledger(context.db);
        event = LedgerEvent{};
        switch (ApplyBalanceChange(ledger, orchestrator_id, *amount, *amount, "credit", reason,
                                   metadata, Timestamp::Now(), &event)) {
          case LedgerChange::kUnknownOrchestrator:
            throw ApiError(ErrorKind::kNotFound, "Unknown orchestrator");
          case LedgerChange::kInsufficientBalance:
            throw ApiError(ErrorKind::kConflict, "Insufficient balance");
          case LedgerChange::kOutOfRange:
            throw ApiError(ErrorKind::kConflict, "Balance would exceed the largest amount");
          case LedgerChange::kApplied:
            break;
        }
        Json::Value out(Json::objectValue);
        out["orchestrator_id"] = orchestrator_id;
        out["balance_eth"] = event.balance.ToString();
        out["delta_eth"] = amount->ToString();
        out["reason"] = reason;
        out["reference_workload_id"] = reference ? Json::Value(*reference) : Json::Value();
        out["notes"] = notes ? Json::Value(*notes) : Json::Value();
        return JsonResponse(200, out);
      },
      [&] { MirrorToJournal(context.services, event); });
}

Response ListLedgerEvents(RequestContext& context) {
  QueryReader query(context.request);
  const std::string orchestrator_id = query.String("orchestrator_id").value_or("");
  const std::optional<long long> limit = query.Int("limit", 1, 1000, 200);
  query.Finish();
  std::vector<LedgerEvent> events;
  context.db.Read([&] {
    events = LedgerRepository(context.db).List(orchestrator_id, static_cast<int>(*limit));
  });
  Json::Value list(Json::arrayValue);
  for (const LedgerEvent& e : events) list.append(LedgerEventJson(e));
  Json::Value out(Json::objectValue);
  out["events"] = list;
  return JsonResponse(200, out);
}

}  // namespace payments
