// Idempotency-Key for money-moving POSTs (docs/api.md, "Idempotency"): the
// first response to a key is stored in the same transaction as the work it
// describes, and a retry with the same key and the same body gets that
// response again without the work being applied twice.
#pragma once

#include <json/value.h>

#include <functional>
#include <string>

#include "http/router.h"

namespace payments {

// Runs `mutate` inside one database transaction and returns its response.
// `mutate` performs the work on context.db and either returns the 200
// response or throws ApiError (stored and replayed like any response).
// `after_commit` runs only when the work was really applied now (not on a
// replay), after COMMIT — for audit and journal lines.
//
// Without an Idempotency-Key header this is just the transaction. With one:
// a key longer than 255 characters is a 422; a key seen before with another
// body (or another route) is a 422 "Idempotency-Key reused with a different
// request"; a key seen with the same body replays the stored status and
// body with the header `Idempotent-Replayed: true`.
Response RunIdempotent(RequestContext& context, const std::string& route, const Json::Value& body,
                       const std::function<Response()>& mutate,
                       const std::function<void()>& after_commit);

}  // namespace payments
