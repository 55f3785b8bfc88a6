// Image licensing: the rules of API.md's "Image licensing" section —
// orchestrator tokens, encrypted image secrets, access grants, leases and
// their heartbeat — pure of HTTP. Each mutation is one transaction (or one
// autocommit statement); its audit line is appended to the license audit
// file after the commit, and never holds a token, a token hash or a secret.
// Refusals are returned as a LicenseRefusal; the handler maps them to HTTP.
//
// Licensing is a short-lived object: one per request, on the request
// thread's Db. The free functions are pure and thread-safe.
#pragma once

#include <json/value.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "crypto/crypto.h"
#include "domain/timestamp.h"
#include "storage/license_repository.h"

namespace payments {

struct Services;

// Why a licensing call was refused (API.md's error column).
enum class LicenseRefusal {
  kNone,
  kUnknownOrchestrator,  // 404 "Unknown orchestrator"
  kTokenNotFound,        // 404 "Token not found"
  kImageNotFound,        // 404 "Image not found"
  kImageRevoked,         // 403 "Image access revoked"
  kAccessDenied,         // 403 "Image access denied"
  kSecretUnreadable,     // 503: the stored secret does not open with the key
  kLeaseNotFound,        // 404 "Lease not found"
  kLeaseNotOwned,        // 403 "Lease not found" (another orchestrator's lease)
  kLeaseRevoked,         // 403 "Lease revoked"
  kLeaseExpired,         // 410 "Lease expired"
};

// A stable snake_case name for audit lines ("image_revoked", ...).
const char* RefusalCode(LicenseRefusal refusal);

// ----------------------------------------------------------- pure rules --

constexpr std::size_t kMinImageSecretBytes = 32;
constexpr std::size_t kGeneratedImageSecretBytes = 64;
// Longer presented tokens are refused without hashing (minted ones are 43).
constexpr std::size_t kMaxPresentedTokenLength = 512;

enum class SecretCheck { kOk, kNotBase64, kTooShort };

// Decodes an admin-supplied `secret_b64` (standard base64, padded or not;
// see crypto::Base64Decode). On kOk sets *secret; otherwise leaves it alone.
SecretCheck DecodeImageSecret(std::string_view secret_b64, std::string* secret);

// The token an orchestrator presents: `Authorization: Bearer <token>` (the
// scheme case-insensitive) wins; otherwise `X-Orchestrator-Token`. Surrounding
// blanks are dropped. Empty when neither carries one.
std::string PresentedOrchestratorToken(std::string_view authorization,
                                       std::string_view x_orchestrator_token);

// Lease request: the image must exist, not be revoked, and be granted.
LicenseRefusal JudgeLeaseRequest(const std::optional<ImageAccess>& access);

// Heartbeat by `caller`, checked in API.md's order: unknown lease, another
// orchestrator's lease, revoked lease, expired lease, revoked image, missing
// grant.
LicenseRefusal JudgeHeartbeat(const std::optional<LeaseState>& state, const std::string& caller);

// Whether a heartbeat refused for `refusal` revokes the lease (the image was
// revoked or the grant withdrawn).
bool RevokesLease(LicenseRefusal refusal);

// The SecretBox under PAYMENTS_SECRETS_KEY. Throws ConfigError when the key
// is missing or malformed (Config::Load refuses both at start-up already).
crypto::SecretBox SecretsBox(const Config& config);

// Key rotation of one sealed secret: opens `blob` (bound to `image_ref`)
// with `old_box` and seals it again with `new_box` into *resealed.
// kAlreadyCurrent when it opens with `new_box` instead (nothing to do; a
// rerun after a partial rotation), kUnreadable when it opens with neither.
enum class ResealOutcome { kResealed, kAlreadyCurrent, kUnreadable };
ResealOutcome ResealSecret(std::string_view blob, std::string_view image_ref,
                           const crypto::SecretBox& old_box, const crypto::SecretBox& new_box,
                           std::string* resealed);

// ------------------------------------------------------------ operations --

struct MintedToken {
  LicenseRefusal refusal = LicenseRefusal::kNone;
  std::string token_id;
  std::string token;  // shown to the admin once, never stored or logged
};

struct UpsertedImage {
  ImageRecord record;
  std::string secret;  // raw bytes, for the one PUT answer
  bool created = false;
};

struct IssuedLease {
  LicenseRefusal refusal = LicenseRefusal::kNone;
  std::string lease_id;
  Timestamp expires_at;
  std::string secret;  // raw bytes
};

struct RenewedLease {
  LicenseRefusal refusal = LicenseRefusal::kNone;
  Timestamp expires_at;
  bool lease_revoked = false;  // this heartbeat revoked the lease
};

struct KeyRotationReport {
  int resealed = 0;
  int already_current = 0;
};

class Licensing {
 public:
  // `request_ip` goes into every audit line.
  Licensing(Db& db, const Services& services, std::string request_ip);

  // The orchestrator a presented token belongs to, or nullopt (unknown,
  // revoked, empty or oversized). One unique-index lookup by SHA-256, a
  // constant-time compare of the hash, and an update of last_seen_at.
  std::optional<std::string> Authenticate(const std::string& token, Timestamp now);

  MintedToken MintToken(const std::string& orchestrator_id, Timestamp now);
  // kUnknownOrchestrator or kNone with *tokens newest first.
  LicenseRefusal ListTokens(const std::string& orchestrator_id, std::vector<TokenRecord>* tokens);
  // Idempotent; kTokenNotFound when the token is not this orchestrator's.
  LicenseRefusal RevokeToken(const std::string& orchestrator_id, const std::string& token_id,
                             Timestamp now);

  // Creates the image or rotates its secret. `secret` nullopt generates 64
  // random bytes.
  UpsertedImage UpsertImage(const std::string& image_ref, std::optional<std::string> secret,
                            Timestamp now);
  std::vector<ImageRecord> ListImages();
  LicenseRefusal RevokeImage(const std::string& image_ref, Timestamp now);

  AccessMap Access();
  // On kNone, *access is the map after the change (read in the same
  // transaction).
  LicenseRefusal GrantAccess(const std::string& orchestrator_id, const std::string& image_ref,
                             Timestamp now, AccessMap* access);
  LicenseRefusal RevokeAccess(const std::string& orchestrator_id, const std::string& image_ref,
                              AccessMap* access);

  IssuedLease IssueLease(const std::string& orchestrator_id, const std::string& image_ref,
                         Timestamp now);
  // The hot path is two indexed statements (a primary-key read and a
  // primary-key UPDATE); only refusals that revoke and races take a locking
  // transaction.
  RenewedLease Heartbeat(const std::string& orchestrator_id, const std::string& lease_id,
                         Timestamp now);
  std::vector<LeaseRecord> ListLeases(const LeaseFilter& filter, Timestamp now);

 private:
  void Audit(const char* event, Json::Value line) const;

  Db& db_;
  const Services& services_;
  std::string request_ip_;
};

// Re-encrypts every image secret from `old_box` to `new_box` in one
// transaction (all rows locked). Throws std::runtime_error, writing nothing,
// when a secret opens with neither key. Used by `payments-fcgi
// rotate-secrets-key`.
KeyRotationReport RotateSecretsKey(Db& db, const crypto::SecretBox& old_box,
                                   const crypto::SecretBox& new_box);

}  // namespace payments
