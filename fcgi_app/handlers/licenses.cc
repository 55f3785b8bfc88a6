// Image licensing routes (API.md, "Image licensing"): tokens, images, access
// grants, leases. Each handler reads the request, calls domain/licensing and
// shapes the answer; LicenseRefusal is mapped to HTTP in Refuse() only.
#include "app/services.h"
#include "crypto/crypto.h"
#include "domain/licensing.h"
#include "handlers/handlers.h"
#include "http/errors.h"
#include "http/fields.h"
#include "http/json.h"

namespace payments {
namespace {

constexpr StringRule kImageRef{1, 512};
constexpr StringRule kOrchestratorId{1, 128};
constexpr StringRule kSecretB64{0, 2048};

// API.md's status and detail for each refusal.
[[noreturn]] void Refuse(LicenseRefusal refusal) {
  switch (refusal) {
    case LicenseRefusal::kUnknownOrchestrator:
      throw ApiError(ErrorKind::kNotFound, "Unknown orchestrator");
    case LicenseRefusal::kTokenNotFound:
      throw ApiError(ErrorKind::kNotFound, "Token not found");
    case LicenseRefusal::kImageNotFound:
      throw ApiError(ErrorKind::kNotFound, "Image not found");
    case LicenseRefusal::kImageRevoked:
      throw ApiError(ErrorKind::kForbidden, "Image access revoked");
    case LicenseRefusal::kAccessDenied:
      throw ApiError(ErrorKind::kForbidden, "Image access denied");
    case LicenseRefusal::kSecretUnreadable:
      throw ApiError(ErrorKind::kUnavailable, "Image secret unavailable");
    case LicenseRefusal::kLeaseNotFound:
      throw ApiError(ErrorKind::kNotFound, "Lease not found");
    case LicenseRefusal::kLeaseNotOwned:
      throw ApiError(ErrorKind::kForbidden, "Lease not found");
    case LicenseRefusal::kLeaseRevoked:
      throw ApiError(ErrorKind::kForbidden, "Lease revoked");
    case LicenseRefusal::kLeaseExpired:
      throw ApiError(ErrorKind::kGone, "Lease expired");
    case LicenseRefusal::kNone:
      break;
  }
  throw ApiError(ErrorKind::kInternal, "Internal Server Error");
}

void Check(LicenseRefusal refusal) {
  if (refusal != LicenseRefusal::kNone) Refuse(refusal);
}

Licensing LicensingFor(RequestContext& context) {
  return Licensing(context.db, context.services, context.request.remote_addr);
}

// Answers that carry a token or a secret must not be cached anywhere.
Response SecretResponse(const Json::Value& body) {
  Response response = JsonResponse(200, body);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

Response Ok() {
  Json::Value body(Json::objectValue);
  body["ok"] = true;
  return JsonResponse(200, body);
}

Response AccessResponse(const AccessMap& access) {
  Json::Value map(Json::objectValue);
  for (const auto& [orchestrator_id, image_refs] : access) {
    Json::Value list(Json::arrayValue);
    for (const std::string& image_ref : image_refs) list.append(image_ref);
    map[orchestrator_id] = list;
  }
  Json::Value body(Json::objectValue);
  body["access"] = map;
  return JsonResponse(200, body);
}

// Body of the grant and revoke routes.
struct AccessChange {
  std::string orchestrator_id;
  std::string image_ref;
};

AccessChange ReadAccessChange(const Request& request) {
  const Json::Value body = ParseJsonObject(request.body);
  FieldReader fields(body);
  AccessChange change;
  change.orchestrator_id = fields.String("orchestrator_id", true, kOrchestratorId).value_or("");
  change.image_ref = fields.String("image_ref", true, kImageRef).value_or("");
  fields.Finish();
  return change;
}

std::string ReadImageRef(const Request& request) {
  const Json::Value body = ParseJsonObject(request.body);
  FieldReader fields(body);
  std::string image_ref = fields.String("image_ref", true, kImageRef).value_or("");
  fields.Finish();
  return image_ref;
}

}  // namespace

// ---------------------------------------------------------------- tokens --

Response MintOrchestratorToken(RequestContext& context) {
  const MintedToken minted =
      LicensingFor(context).MintToken(context.Param("orchestrator_id"), Timestamp::Now());
  Check(minted.refusal);
  Json::Value body(Json::objectValue);
  body["token_id"] = minted.token_id;
  body["token"] = minted.token;
  return SecretResponse(body);
}

Response ListOrchestratorTokens(RequestContext& context) {
  std::vector<TokenRecord> tokens;
  Check(LicensingFor(context).ListTokens(context.Param("orchestrator_id"), &tokens));
  Json::Value list(Json::arrayValue);
  for (const TokenRecord& t : tokens) {
    Json::Value item(Json::objectValue);
    item["token_id"] = t.token_id;
    item["orchestrator_id"] = t.orchestrator_id;
    item["created_at"] = t.created_at;
    item["revoked_at"] = JsonOrNull(t.revoked_at);
    item["last_seen_at"] = JsonOrNull(t.last_seen_at);
    list.append(item);
  }
  Json::Value body(Json::objectValue);
  body["tokens"] = list;
  return JsonResponse(200, body);
}

Response RevokeOrchestratorToken(RequestContext& context) {
  Check(LicensingFor(context).RevokeToken(context.Param("orchestrator_id"),
                                          context.Param("token_id"), Timestamp::Now()));
  return Ok();
}

// ---------------------------------------------------------------- images --

namespace {

// An image without its secret, as the list and the PUT answer show it.
Json::Value ImageJson(const ImageRecord& image) {
  Json::Value out(Json::objectValue);
  out["image_ref"] = image.image_ref;
  out["created_at"] = image.created_at;
  out["rotated_at"] = JsonOrNull(image.rotated_at);
  out["revoked_at"] = JsonOrNull(image.revoked_at);
  return out;
}

}  // namespace

Response PutLicenseImage(RequestContext& context) {
  const Json::Value body = ParseJsonObject(context.request.body);
  FieldReader fields(body);
  const std::string image_ref = fields.String("image_ref", true, kImageRef).value_or("");
  const std::optional<std::string> secret_b64 = fields.String("secret_b64", false, kSecretB64);
  fields.Finish();
  std::optional<std::string> secret;
  if (secret_b64) {
    secret.emplace();
    switch (DecodeImageSecret(*secret_b64, &*secret)) {
      case SecretCheck::kOk:
        break;
      case SecretCheck::kNotBase64:
        throw ApiError(ErrorKind::kBadRequest, "secret_b64 is not valid base64");
      case SecretCheck::kTooShort:
        throw ApiError(ErrorKind::kBadRequest, "secret_b64 must decode to at least " +
                                                   std::to_string(kMinImageSecretBytes) + " bytes");
    }
  }
  const UpsertedImage image =
      LicensingFor(context).UpsertImage(image_ref, std::move(secret), Timestamp::Now());
  Json::Value answer = ImageJson(image.record);
  answer["secret_b64"] = crypto::Base64Encode(image.secret);
  return SecretResponse(answer);
}

Response ListLicenseImages(RequestContext& context) {
  Json::Value list(Json::arrayValue);
  for (const ImageRecord& image : LicensingFor(context).ListImages()) {
    list.append(ImageJson(image));
  }
  Json::Value body(Json::objectValue);
  body["images"] = list;
  return JsonResponse(200, body);
}

Response RevokeLicenseImage(RequestContext& context) {
  const std::string image_ref = ReadImageRef(context.request);
  Check(LicensingFor(context).RevokeImage(image_ref, Timestamp::Now()));
  return Ok();
}

// ---------------------------------------------------------------- access --

Response GetLicenseAccess(RequestContext& context) {
  return AccessResponse(LicensingFor(context).Access());
}

Response GrantLicenseAccess(RequestContext& context) {
  const AccessChange change = ReadAccessChange(context.request);
  AccessMap access;
  Check(LicensingFor(context).GrantAccess(change.orchestrator_id, change.image_ref,
                                          Timestamp::Now(), &access));
  return AccessResponse(access);
}

Response RevokeLicenseAccess(RequestContext& context) {
  const AccessChange change = ReadAccessChange(context.request);
  AccessMap access;
  Check(LicensingFor(context).RevokeAccess(change.orchestrator_id, change.image_ref, &access));
  return AccessResponse(access);
}

// ---------------------------------------------------------------- leases --

Response IssueLicenseLease(RequestContext& context) {
  const std::string image_ref = ReadImageRef(context.request);
  const IssuedLease lease =
      LicensingFor(context).IssueLease(context.orchestrator_id, image_ref, Timestamp::Now());
  Check(lease.refusal);
  Json::Value body(Json::objectValue);
  body["lease_id"] = lease.lease_id;
  body["orchestrator_id"] = context.orchestrator_id;
  body["image_ref"] = image_ref;
  body["expires_at"] = lease.expires_at.ToIso();
  body["lease_seconds"] = context.services.config.license_lease_seconds;
  body["secret_b64"] = crypto::Base64Encode(lease.secret);
  return SecretResponse(body);
}

Response HeartbeatLicenseLease(RequestContext& context) {
  const std::string& lease_id = context.Param("lease_id");
  const RenewedLease renewed =
      LicensingFor(context).Heartbeat(context.orchestrator_id, lease_id, Timestamp::Now());
  Check(renewed.refusal);
  Json::Value body(Json::objectValue);
  body["lease_id"] = lease_id;
  body["expires_at"] = renewed.expires_at.ToIso();
  body["lease_seconds"] = context.services.config.license_lease_seconds;
  return JsonResponse(200, body);
}

Response ListLicenseLeases(RequestContext& context) {
  QueryReader query(context.request);
  LeaseFilter filter;
  filter.orchestrator_id = query.String("orchestrator_id");
  filter.image_ref = query.String("image_ref");
  filter.active_only = query.Bool("active_only", true).value_or(true);
  filter.limit = static_cast<int>(query.Int("limit", 1, 2000, 200).value_or(200));
  query.Finish();
  Json::Value list(Json::arrayValue);
  for (const LeaseRecord& r : LicensingFor(context).ListLeases(filter, Timestamp::Now())) {
    Json::Value item(Json::objectValue);
    item["lease_id"] = r.lease_id;
    item["orchestrator_id"] = r.orchestrator_id;
    item["image_ref"] = r.image_ref;
    item["issued_at"] = r.issued_at;
    item["last_seen_at"] = r.last_seen_at;
    item["last_seen_ip"] = JsonOrNull(r.last_seen_ip);
    item["expires_at"] = r.expires_at;
    item["revoked_at"] = JsonOrNull(r.revoked_at);
    item["active"] = r.active;
    list.append(item);
  }
  Json::Value body(Json::objectValue);
  body["leases"] = list;
  return JsonResponse(200, body);
}

}  // namespace payments
