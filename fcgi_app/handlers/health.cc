#include "handlers/handlers.h"
#include "storage/db.h"

namespace payments {

Response GetHealth(RequestContext& context) {
  Json::Value body(Json::objectValue);
  if (context.db.Ping()) {
    body["status"] = "ok";
    body["database"] = "ok";
    return JsonResponse(200, body);
  }
  body["status"] = "unavailable";
  body["database"] = "unavailable";
  return JsonResponse(503, body);
}

}  // namespace payments
