#include "handlers/idempotency.h"

#include <atomic>

#include "crypto/crypto.h"
#include "http/errors.h"
#include "http/json.h"
#include "storage/ledger_repository.h"

namespace payments {
namespace {

constexpr std::size_t kMaxKeyLength = 255;
// Keys are kept at least 24 h; rows older than 48 h are purged a few at a
// time by the requests that create new keys.
constexpr double kRetentionSeconds = 48 * 3600;
constexpr int kPurgeBatch = 50;
// Keys are shared by every admin route: the route is part of the request
// hash, so a key reused on another route is a mismatch.
constexpr const char* kScope = "admin";

}  // namespace

Response RunIdempotent(RequestContext& context, const std::string& route, const Json::Value& body,
                       const std::function<Response()>& mutate,
                       const std::function<void()>& after_commit) {
  const std::string key = context.request.Header("idempotency-key");
  Response response;
  auto run = [&] {
    try {
      response = mutate();
    } catch (const ApiError& e) {
      response = ErrorResponse(e.status(), e.detail());
    }
  };
  if (!context.request.headers.count("idempotency-key")) {
    context.db.Transaction([&] { run(); });
    if (response.status < 300) after_commit();
    return response;
  }
  if (key.empty() || Utf8Length(key) > kMaxKeyLength || !IsValidUtf8(key)) {
    ThrowValidation("header", "Idempotency-Key", "Idempotency-Key must be 1 to 255 characters",
                    "string_too_long");
  }
  const std::string request_hash = crypto::Sha256Hex(route + "\n" + ToJson(body));
  bool replay = false;
  bool mismatch = false;
  const Timestamp now = Timestamp::Now();
  context.db.Transaction([&] {
    replay = false;
    mismatch = false;
    IdempotencyRepository keys(context.db);
    if (auto stored = keys.FindForUpdate(kScope, key)) {
      if (!crypto::ConstantTimeEquals(stored->request_hash, request_hash)) {
        mismatch = true;
        return;
      }
      replay = true;
      response.status = stored->status;
      response.body = stored->body;
      response.headers.clear();
      response.headers.emplace_back("Idempotent-Replayed", "true");
      return;
    }
    keys.Reserve(kScope, key, request_hash, now);
    run();
    keys.Complete(kScope, key, response.status, response.body);
    static std::atomic<unsigned> counter{0};
    if (++counter % 16 == 0) keys.Purge(now.PlusSeconds(-kRetentionSeconds), kPurgeBatch);
  });
  if (mismatch) {
    throw ApiError(ErrorKind::kUnprocessable, "Idempotency-Key reused with a different request");
  }
  if (!replay && response.status < 300) after_commit();
  return response;
}

}  // namespace payments
