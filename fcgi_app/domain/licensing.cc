#include "domain/licensing.h"

#include <openssl/crypto.h>

#include <boost/log/trivial.hpp>
#include <cctype>
#include <stdexcept>

#include "app/services.h"
#include "storage/orchestrator_repository.h"

namespace payments {
namespace {

constexpr std::size_t kIdBytes = 16;  // token and lease ids: 32 hex chars

std::string_view TrimBlanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Wipes a plaintext secret held in a std::string.
void Wipe(std::string* secret) {
  if (!secret->empty()) OPENSSL_cleanse(secret->data(), secret->size());
  secret->clear();
}

}  // namespace

// ----------------------------------------------------------- pure rules --

const char* RefusalCode(LicenseRefusal refusal) {
  switch (refusal) {
    case LicenseRefusal::kNone:
      return "none";
    case LicenseRefusal::kUnknownOrchestrator:
      return "unknown_orchestrator";
    case LicenseRefusal::kTokenNotFound:
      return "token_not_found";
    case LicenseRefusal::kImageNotFound:
      return "image_not_found";
    case LicenseRefusal::kImageRevoked:
      return "image_revoked";
    case LicenseRefusal::kAccessDenied:
      return "access_denied";
    case LicenseRefusal::kSecretUnreadable:
      return "secret_unreadable";
    case LicenseRefusal::kLeaseNotFound:
      return "lease_not_found";
    case LicenseRefusal::kLeaseNotOwned:
      return "lease_not_owned";
    case LicenseRefusal::kLeaseRevoked:
      return "lease_revoked";
    case LicenseRefusal::kLeaseExpired:
      return "lease_expired";
  }
  return "unknown";
}

SecretCheck DecodeImageSecret(std::string_view secret_b64, std::string* secret) {
  std::string decoded;
  if (!crypto::Base64Decode(secret_b64, &decoded)) return SecretCheck::kNotBase64;
  if (decoded.size() < kMinImageSecretBytes) {
    Wipe(&decoded);
    return SecretCheck::kTooShort;
  }
  secret->swap(decoded);
  Wipe(&decoded);
  return SecretCheck::kOk;
}

std::string PresentedOrchestratorToken(std::string_view authorization,
                                       std::string_view x_orchestrator_token) {
  const std::string_view header = TrimBlanks(authorization);
  constexpr std::string_view kScheme = "bearer";
  if (header.size() > kScheme.size() &&
      (header[kScheme.size()] == ' ' || header[kScheme.size()] == '\t')) {
    bool is_bearer = true;
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) is_bearer = false;
    }
    if (is_bearer) {
      const std::string_view token = TrimBlanks(header.substr(kScheme.size()));
      if (!token.empty()) return std::string(token);
    }
  }
  return std::string(TrimBlanks(x_orchestrator_token));
}

LicenseRefusal JudgeLeaseRequest(const std::optional<ImageAccess>& access) {
  if (!access) return LicenseRefusal::kImageNotFound;
  if (access->revoked) return LicenseRefusal::kImageRevoked;
  if (!access->granted) return LicenseRefusal::kAccessDenied;
  return LicenseRefusal::kNone;
}

LicenseRefusal JudgeHeartbeat(const std::optional<LeaseState>& state, const std::string& caller) {
  if (!state) return LicenseRefusal::kLeaseNotFound;
  if (state->orchestrator_id != caller) return LicenseRefusal::kLeaseNotOwned;
  if (state->revoked) return LicenseRefusal::kLeaseRevoked;
  if (state->expired) return LicenseRefusal::kLeaseExpired;
  if (state->image_revoked) return LicenseRefusal::kImageRevoked;
  if (!state->granted) return LicenseRefusal::kAccessDenied;
  return LicenseRefusal::kNone;
}

bool RevokesLease(LicenseRefusal refusal) {
  return refusal == LicenseRefusal::kImageRevoked || refusal == LicenseRefusal::kAccessDenied;
}

crypto::SecretBox SecretsBox(const Config& config) {
  if (config.secrets_key_b64.empty()) {
    throw ConfigError(
        "PAYMENTS_SECRETS_KEY: required (base64 of 32 random bytes, e.g. `openssl rand -base64 "
        "32`); it encrypts the image secrets at rest");
  }
  crypto::SecretBox box;
  std::string error;
  if (!crypto::SecretBox::FromBase64Key(config.secrets_key_b64, &box, &error)) {
    throw ConfigError("PAYMENTS_SECRETS_KEY: " + error);
  }
  return box;
}

ResealOutcome ResealSecret(std::string_view blob, std::string_view image_ref,
                           const crypto::SecretBox& old_box, const crypto::SecretBox& new_box,
                           std::string* resealed) {
  std::string secret;
  if (old_box.Open(blob, image_ref, &secret)) {
    *resealed = new_box.Seal(secret, image_ref);
    Wipe(&secret);
    return ResealOutcome::kResealed;
  }
  if (new_box.Open(blob, image_ref, &secret)) {
    Wipe(&secret);
    return ResealOutcome::kAlreadyCurrent;
  }
  return ResealOutcome::kUnreadable;
}

// ------------------------------------------------------------ operations --

Licensing::Licensing(Db& db, const Services& services, std::string request_ip)
    : db_(db), services_(services), request_ip_(std::move(request_ip)) {}

void Licensing::Audit(const char* event, Json::Value line) const {
  line["event"] = event;
  line["request_ip"] = request_ip_;
  services_.license_audit.Append(std::move(line));
}

std::optional<std::string> Licensing::Authenticate(const std::string& token, Timestamp now) {
  if (token.empty() || token.size() > kMaxPresentedTokenLength) return std::nullopt;
  const std::string hash = crypto::Sha256Hex(token);
  OrchestratorTokenRepository tokens(db_);
  std::optional<TokenCredential> credential;
  db_.Read([&] { credential = tokens.FindByHash(hash); });
  // The index found the row by hash; the hash is compared again in constant
  // time so that the decision never rests on a collation's idea of equality.
  if (!credential || !crypto::ConstantTimeEquals(credential->token_hash, hash) ||
      credential->revoked) {
    return std::nullopt;
  }
  // One autocommit UPDATE by primary key (idempotent, so Read's retry after
  // a lost connection is safe).
  db_.Read([&] { tokens.Touch(credential->token_id, now); });
  return credential->orchestrator_id;
}

MintedToken Licensing::MintToken(const std::string& orchestrator_id, Timestamp now) {
  MintedToken out;
  out.token = crypto::NewToken();
  out.token_id = crypto::RandomHex(kIdBytes);
  const std::string hash = crypto::Sha256Hex(out.token);
  db_.Transaction([&] {
    out.refusal = LicenseRefusal::kNone;
    OrchestratorTokenRepository tokens(db_);
    if (!OrchestratorRepository(db_).Exists(orchestrator_id)) {
      out.refusal = LicenseRefusal::kUnknownOrchestrator;
      return;
    }
    tokens.Insert(out.token_id, orchestrator_id, hash, now);
  });
  if (out.refusal != LicenseRefusal::kNone) {
    Wipe(&out.token);
    return out;
  }
  Json::Value line(Json::objectValue);
  line["orchestrator_id"] = orchestrator_id;
  line["token_id"] = out.token_id;
  Audit("token_minted", line);
  return out;
}

LicenseRefusal Licensing::ListTokens(const std::string& orchestrator_id,
                                     std::vector<TokenRecord>* tokens) {
  bool known = false;
  db_.Read([&] {
    OrchestratorTokenRepository repository(db_);
    known = OrchestratorRepository(db_).Exists(orchestrator_id);
    if (known) *tokens = repository.ListFor(orchestrator_id);
  });
  return known ? LicenseRefusal::kNone : LicenseRefusal::kUnknownOrchestrator;
}

LicenseRefusal Licensing::RevokeToken(const std::string& orchestrator_id,
                                      const std::string& token_id, Timestamp now) {
  LicenseRefusal refusal = LicenseRefusal::kNone;
  bool already_revoked = false;
  db_.Transaction([&] {
    refusal = LicenseRefusal::kNone;
    OrchestratorTokenRepository tokens(db_);
    const std::optional<TokenRecord> token = tokens.FindForUpdate(orchestrator_id, token_id);
    if (!token) {
      refusal = LicenseRefusal::kTokenNotFound;
      return;
    }
    already_revoked = token->revoked_at.has_value();
    if (!already_revoked) tokens.Revoke(token_id, now);
  });
  if (refusal != LicenseRefusal::kNone) return refusal;
  Json::Value line(Json::objectValue);
  line["orchestrator_id"] = orchestrator_id;
  line["token_id"] = token_id;
  line["already_revoked"] = already_revoked;
  Audit("token_revoked", line);
  return refusal;
}

UpsertedImage Licensing::UpsertImage(const std::string& image_ref,
                                     std::optional<std::string> secret, Timestamp now) {
  const bool generated = !secret.has_value();
  UpsertedImage out;
  out.secret = generated ? crypto::RandomBytes(kGeneratedImageSecretBytes) : std::move(*secret);
  // Sealed once, outside the transaction: a retried transaction writes the
  // same blob.
  const std::string sealed = SecretsBox(services_.config).Seal(out.secret, image_ref);
  db_.Transaction([&] {
    LicenseImageRepository images(db_);
    const std::optional<ImageRecord> existing = images.FindForUpdate(image_ref);
    if (existing) {
      images.Rotate(existing->image_id, sealed, now);
    } else {
      images.Insert(image_ref, sealed, now);
    }
    out.created = !existing.has_value();
    out.record = *images.FindForUpdate(image_ref);
  });
  Json::Value line(Json::objectValue);
  line["image_ref"] = image_ref;
  line["created"] = out.created;
  line["secret_source"] = generated ? "generated" : "supplied";
  Audit("image_upserted", line);
  return out;
}

std::vector<ImageRecord> Licensing::ListImages() {
  std::vector<ImageRecord> images;
  db_.Read([&] { images = LicenseImageRepository(db_).List(); });
  return images;
}

LicenseRefusal Licensing::RevokeImage(const std::string& image_ref, Timestamp now) {
  LicenseRefusal refusal = LicenseRefusal::kNone;
  bool already_revoked = false;
  db_.Transaction([&] {
    refusal = LicenseRefusal::kNone;
    LicenseImageRepository images(db_);
    const std::optional<ImageRecord> image = images.FindForUpdate(image_ref);
    if (!image) {
      refusal = LicenseRefusal::kImageNotFound;
      return;
    }
    already_revoked = image->revoked_at.has_value();
    if (!already_revoked) images.Revoke(image->image_id, now);
  });
  if (refusal != LicenseRefusal::kNone) return refusal;
  Json::Value line(Json::objectValue);
  line["image_ref"] = image_ref;
  line["already_revoked"] = already_revoked;
  Audit("image_revoked", line);
  return refusal;
}

AccessMap Licensing::Access() {
  AccessMap access;
  db_.Read([&] { access = LicenseGrantRepository(db_).Map(); });
  return access;
}

LicenseRefusal Licensing::GrantAccess(const std::string& orchestrator_id,
                                      const std::string& image_ref, Timestamp now,
                                      AccessMap* access) {
  LicenseRefusal refusal = LicenseRefusal::kNone;
  bool inserted = false;
  db_.Transaction([&] {
    refusal = LicenseRefusal::kNone;
    if (!OrchestratorRepository(db_).Exists(orchestrator_id)) {
      refusal = LicenseRefusal::kUnknownOrchestrator;
      return;
    }
    const std::optional<ImageRecord> image = LicenseImageRepository(db_).FindShared(image_ref);
    if (!image) {
      refusal = LicenseRefusal::kImageNotFound;
      return;
    }
    LicenseGrantRepository grants(db_);
    inserted = grants.Grant(orchestrator_id, image->image_id, now);
    *access = grants.Map();
  });
  if (refusal != LicenseRefusal::kNone) return refusal;
  Json::Value line(Json::objectValue);
  line["orchestrator_id"] = orchestrator_id;
  line["image_ref"] = image_ref;
  line["already_granted"] = !inserted;
  Audit("access_granted", line);
  return refusal;
}

LicenseRefusal Licensing::RevokeAccess(const std::string& orchestrator_id,
                                       const std::string& image_ref, AccessMap* access) {
  LicenseRefusal refusal = LicenseRefusal::kNone;
  bool removed = false;
  db_.Transaction([&] {
    refusal = LicenseRefusal::kNone;
    removed = false;
    if (!OrchestratorRepository(db_).Exists(orchestrator_id)) {
      refusal = LicenseRefusal::kUnknownOrchestrator;
      return;
    }
    LicenseGrantRepository grants(db_);
    const std::optional<ImageRecord> image = LicenseImageRepository(db_).FindShared(image_ref);
    if (image) removed = grants.Revoke(orchestrator_id, image->image_id);
    *access = grants.Map();
  });
  if (refusal != LicenseRefusal::kNone) return refusal;
  Json::Value line(Json::objectValue);
  line["orchestrator_id"] = orchestrator_id;
  line["image_ref"] = image_ref;
  line["was_granted"] = removed;
  Audit("access_revoked", line);
  return refusal;
}

IssuedLease Licensing::IssueLease(const std::string& orchestrator_id, const std::string& image_ref,
                                  Timestamp now) {
  const crypto::SecretBox box = SecretsBox(services_.config);
  IssuedLease out;
  const std::string lease_id = crypto::RandomHex(kIdBytes);
  const Timestamp expires_at = now.PlusSeconds(services_.config.license_lease_seconds);
  db_.Transaction([&] {
    Wipe(&out.secret);
    out = IssuedLease{};
    LicenseLeaseRepository leases(db_);
    const std::optional<ImageAccess> access = leases.ImageAccessShared(orchestrator_id, image_ref);
    out.refusal = JudgeLeaseRequest(access);
    if (out.refusal != LicenseRefusal::kNone) return;
    if (!box.Open(access->sealed_secret, image_ref, &out.secret)) {
      out.refusal = LicenseRefusal::kSecretUnreadable;
      return;
    }
    leases.Insert(lease_id, orchestrator_id, access->image_id, now, expires_at, request_ip_);
    out.lease_id = lease_id;
    out.expires_at = expires_at;
  });

  Json::Value line(Json::objectValue);
  line["orchestrator_id"] = orchestrator_id;
  line["image_ref"] = image_ref;
  switch (out.refusal) {
    case LicenseRefusal::kNone:
      line["lease_id"] = out.lease_id;
      line["expires_at"] = out.expires_at.ToIso();
      Audit("lease_issued", line);
      break;
    case LicenseRefusal::kImageRevoked:
    case LicenseRefusal::kAccessDenied:
      line["action"] = "lease";
      line["reason"] = RefusalCode(out.refusal);
      line["lease_revoked"] = false;
      Audit("lease_denied", line);
      break;
    case LicenseRefusal::kSecretUnreadable:
      BOOST_LOG_TRIVIAL(error) << "the secret of image " << image_ref
                               << " does not open with PAYMENTS_SECRETS_KEY (key changed "
                                  "without `payments-fcgi rotate-secrets-key`?)";
      break;
    default:
      break;
  }
  return out;
}

RenewedLease Licensing::Heartbeat(const std::string& orchestrator_id, const std::string& lease_id,
                                  Timestamp now) {
  RenewedLease out;
  out.expires_at = now.PlusSeconds(services_.config.license_lease_seconds);
  LicenseLeaseRepository leases(db_);

  // Hot path: a primary-key read to judge, then one guarded primary-key
  // UPDATE (autocommit) that renews only a lease that is still live.
  std::optional<LeaseState> state;
  db_.Read([&] { state = leases.State(lease_id, now); });
  out.refusal = JudgeHeartbeat(state, orchestrator_id);
  bool renewed = false;
  if (out.refusal == LicenseRefusal::kNone) {
    try {
      db_.Read([&] {
        renewed = leases.RenewIfLive(lease_id, orchestrator_id, now, out.expires_at, request_ip_);
      });
    } catch (const DbError&) {
      renewed = false;  // e.g. a deadlock with an admin change: decide below
    }
  }
  // Slow path: the lease changed under us, or this heartbeat must revoke it.
  // Decide again with the rows locked, and commit the renewal or revocation.
  if (!renewed && (out.refusal == LicenseRefusal::kNone || RevokesLease(out.refusal))) {
    db_.Transaction([&] {
      out.lease_revoked = false;
      state = leases.StateForUpdate(lease_id, now);
      out.refusal = JudgeHeartbeat(state, orchestrator_id);
      if (out.refusal == LicenseRefusal::kNone) {
        leases.Renew(lease_id, now, out.expires_at, request_ip_);
      } else if (RevokesLease(out.refusal)) {
        leases.Revoke(lease_id, now, request_ip_);
        out.lease_revoked = true;
      }
    });
  }

  Json::Value line(Json::objectValue);
  line["lease_id"] = lease_id;
  line["orchestrator_id"] = orchestrator_id;
  switch (out.refusal) {
    case LicenseRefusal::kNone:
      line["image_ref"] = state->image_ref;
      line["expires_at"] = out.expires_at.ToIso();
      Audit("lease_heartbeat", line);
      break;
    case LicenseRefusal::kLeaseNotFound:
      break;
    default:
      // The lease exists: a refusal worth an audit line. For another
      // orchestrator's lease the line names the caller, not the owner.
      line["image_ref"] = state->image_ref;
      line["action"] = "heartbeat";
      line["reason"] = RefusalCode(out.refusal);
      line["lease_revoked"] = out.lease_revoked;
      Audit("lease_denied", line);
      break;
  }
  return out;
}

std::vector<LeaseRecord> Licensing::ListLeases(const LeaseFilter& filter, Timestamp now) {
  std::vector<LeaseRecord> records;
  db_.Read([&] { records = LicenseLeaseRepository(db_).List(filter, now); });
  return records;
}

KeyRotationReport RotateSecretsKey(Db& db, const crypto::SecretBox& old_box,
                                   const crypto::SecretBox& new_box) {
  KeyRotationReport report;
  db.Transaction([&] {
    report = KeyRotationReport{};
    LicenseImageRepository images(db);
    std::string unreadable;
    int unreadable_count = 0;
    for (const SealedSecret& sealed : images.AllSecretsForUpdate()) {
      std::string resealed;
      switch (ResealSecret(sealed.blob, sealed.image_ref, old_box, new_box, &resealed)) {
        case ResealOutcome::kResealed:
          images.ReplaceSecret(sealed.image_id, resealed);
          ++report.resealed;
          break;
        case ResealOutcome::kAlreadyCurrent:
          ++report.already_current;
          break;
        case ResealOutcome::kUnreadable:
          if (++unreadable_count <= 5)
            unreadable += (unreadable.empty() ? "" : ", ") + sealed.image_ref;
          break;
      }
    }
    if (unreadable_count > 0) {
      throw std::runtime_error(std::to_string(unreadable_count) +
                               " image secret(s) open with neither key (" + unreadable +
                               (unreadable_count > 5 ? ", ..." : "") + "); nothing was changed");
    }
  });
  return report;
}

}  // namespace payments
