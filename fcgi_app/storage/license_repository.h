// The image-licensing tables of sql/003_licensing.sql: orchestrator tokens,
// encrypted image secrets, access grants and leases.
//
// Every method runs on the caller's connection, inside the caller's
// transaction or as one autocommit statement (the caller decides; see each
// method). Methods named *ForUpdate lock what they read exclusively until the
// transaction ends; *Shared take shared locks (compatible with each other,
// so concurrent leases and heartbeats never queue behind one another, only
// behind an admin change of the same row). The classes hold a Db& and are
// not thread-safe (one Db, one thread). Timestamps are bound with
// Timestamp::ToSql and returned as API.md's ISO-8601 strings.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/timestamp.h"
#include "storage/db.h"

namespace payments {

// The statements of the hottest path — orchestrator authentication and the
// lease heartbeat — exactly as prepared, so that tests can EXPLAIN them.
// Each touches rows by primary key or unique index only.
extern const char* const kTokenByHashSql;  // ? token_hash
extern const char* const kTokenTouchSql;   // ? now, now, token_id
extern const char* const kLeaseStateSql;   // ? now, lease_id
extern const char* const
    kLeaseRenewIfLiveSql;  // ? expires, now, ip, lease_id, orchestrator_id, now

// ---------------------------------------------------------------- tokens --

// A token as an admin sees it: never the token or its hash.
struct TokenRecord {
  std::string token_id;
  std::string orchestrator_id;
  std::string created_at;
  std::optional<std::string> revoked_at;
  std::optional<std::string> last_seen_at;
};

// What authentication needs from the row a token hash points to.
struct TokenCredential {
  std::string token_id;
  std::string orchestrator_id;
  std::string token_hash;  // SHA-256 hex, compared again in constant time
  bool revoked = false;
};

class OrchestratorTokenRepository {
 public:
  explicit OrchestratorTokenRepository(Db& db) : db_(db) {}

  void Insert(const std::string& token_id, const std::string& orchestrator_id,
              const std::string& token_hash, Timestamp now);
  // The orchestrator's tokens, newest first.
  std::vector<TokenRecord> ListFor(const std::string& orchestrator_id);
  // The token if it belongs to `orchestrator_id`, locked.
  std::optional<TokenRecord> FindForUpdate(const std::string& orchestrator_id,
                                           const std::string& token_id);
  // Sets revoked_at unless it is already set.
  void Revoke(const std::string& token_id, Timestamp now);

  // One unique-index lookup by hash (autocommit read).
  std::optional<TokenCredential> FindByHash(const std::string& token_hash);
  // Records a use of the token (one primary-key UPDATE, autocommit).
  void Touch(const std::string& token_id, Timestamp now);

 private:
  Db& db_;
};

// ---------------------------------------------------------------- images --

struct ImageRecord {
  int64_t image_id = 0;
  std::string image_ref;
  std::string created_at;
  std::optional<std::string> rotated_at;
  std::optional<std::string> revoked_at;
};

// An image's sealed secret (SecretBox blob), for key rotation.
struct SealedSecret {
  int64_t image_id = 0;
  std::string image_ref;
  std::string blob;
};

class LicenseImageRepository {
 public:
  explicit LicenseImageRepository(Db& db) : db_(db) {}

  std::optional<ImageRecord> FindForUpdate(const std::string& image_ref);
  std::optional<ImageRecord> FindShared(const std::string& image_ref);
  // Inserts a new image; returns its id.
  int64_t Insert(const std::string& image_ref, const std::string& sealed_secret, Timestamp now);
  // Replaces the secret: rotated_at = now, revoked_at cleared, created_at kept.
  void Rotate(int64_t image_id, const std::string& sealed_secret, Timestamp now);
  // Sets revoked_at unless it is already set.
  void Revoke(int64_t image_id, Timestamp now);
  // Every image, newest first.
  std::vector<ImageRecord> List();

  // Key rotation: every sealed secret, locked; and the write-back.
  std::vector<SealedSecret> AllSecretsForUpdate();
  void ReplaceSecret(int64_t image_id, const std::string& sealed_secret);

 private:
  std::optional<ImageRecord> FindBy(const std::string& image_ref, const char* lock);
  Db& db_;
};

// ---------------------------------------------------------------- grants --

// orchestrator_id -> image_refs, both in byte order.
using AccessMap = std::map<std::string, std::vector<std::string>>;

class LicenseGrantRepository {
 public:
  explicit LicenseGrantRepository(Db& db) : db_(db) {}

  // Inserts the grant unless it exists. Returns whether it was inserted.
  bool Grant(const std::string& orchestrator_id, int64_t image_id, Timestamp now);
  // Deletes the grant. Returns whether one existed.
  bool Revoke(const std::string& orchestrator_id, int64_t image_id);
  // Every grant; orchestrators without grants are absent.
  AccessMap Map();

 private:
  Db& db_;
};

// ---------------------------------------------------------------- leases --

// The image a lease request names and whether the caller holds a grant for
// it, read with shared locks on the image and grant rows.
struct ImageAccess {
  int64_t image_id = 0;
  bool revoked = false;
  bool granted = false;
  std::string sealed_secret;
};

// Everything a heartbeat decides on, in one row.
struct LeaseState {
  std::string orchestrator_id;
  std::string image_ref;
  int64_t image_id = 0;
  bool revoked = false;        // the lease's revoked_at is set
  bool expired = false;        // expires_at <= now
  bool image_revoked = false;  // the image's revoked_at is set
  bool granted = false;        // the lease's orchestrator holds a grant
};

struct LeaseRecord {
  std::string lease_id;
  std::string orchestrator_id;
  std::string image_ref;
  std::string issued_at;
  std::string last_seen_at;
  std::optional<std::string> last_seen_ip;
  std::string expires_at;
  std::optional<std::string> revoked_at;
  bool active = false;
};

struct LeaseFilter {
  std::optional<std::string> orchestrator_id;
  std::optional<std::string> image_ref;
  bool active_only = true;
  int limit = 200;
};

class LicenseLeaseRepository {
 public:
  explicit LicenseLeaseRepository(Db& db) : db_(db) {}

  // The named image and the caller's grant on it, shared-locked (run inside
  // the issuing transaction). nullopt when no such image exists.
  std::optional<ImageAccess> ImageAccessShared(const std::string& orchestrator_id,
                                               const std::string& image_ref);
  void Insert(const std::string& lease_id, const std::string& orchestrator_id, int64_t image_id,
              Timestamp now, Timestamp expires_at, const std::string& ip);

  // The lease's state as of `now`: one primary-key read joined to its image
  // and grant by primary key, without locks.
  std::optional<LeaseState> State(const std::string& lease_id, Timestamp now);
  // The same, locking: the lease row exclusively, then its image and grant
  // rows shared (always in that order). Inside a transaction only.
  std::optional<LeaseState> StateForUpdate(const std::string& lease_id, Timestamp now);

  // The heartbeat's fast path, one autocommit statement: renews the lease
  // only if it belongs to `orchestrator_id`, is neither revoked nor expired,
  // its image is not revoked and the grant still exists. expires_at never
  // moves backwards. Returns whether the lease was renewed; on false the
  // caller decides with StateForUpdate.
  bool RenewIfLive(const std::string& lease_id, const std::string& orchestrator_id, Timestamp now,
                   Timestamp expires_at, const std::string& ip);
  // Unconditional renewal of a lease already locked and judged live.
  void Renew(const std::string& lease_id, Timestamp now, Timestamp expires_at,
             const std::string& ip);
  // Sets revoked_at unless it is already set; also records the caller.
  void Revoke(const std::string& lease_id, Timestamp now, const std::string& ip);

  // Newest issued first; `active` as of `now`.
  std::vector<LeaseRecord> List(const LeaseFilter& filter, Timestamp now);

 private:
  Db& db_;
};

}  // namespace payments
