#include "storage/license_repository.h"

#include <memory>

namespace payments {

const char* const kTokenByHashSql =
    "SELECT token_id, orchestrator_id, token_hash, revoked_at IS NOT NULL AS revoked "
    "FROM orchestrator_tokens WHERE token_hash = ?";

// Never moves last_seen_at backwards when concurrent requests commit out of
// order.
const char* const kTokenTouchSql =
    "UPDATE orchestrator_tokens SET last_seen_at = GREATEST(COALESCE(last_seen_at, ?), ?) "
    "WHERE token_id = ?";

// The heartbeat's decision row: the lease by primary key, its image and the
// grant by primary key.
const char* const kLeaseStateSql =
    "SELECT l.orchestrator_id, i.image_ref, l.image_id, l.revoked_at IS NOT NULL AS revoked, "
    "l.expires_at <= ? AS expired, i.revoked_at IS NOT NULL AS image_revoked, "
    "g.image_id IS NOT NULL AS granted "
    "FROM license_leases l "
    "JOIN license_images i ON i.image_id = l.image_id "
    "LEFT JOIN license_grants g ON g.orchestrator_id = l.orchestrator_id "
    "AND g.image_id = l.image_id "
    "WHERE l.lease_id = ?";

// Renews only a live lease whose image is not revoked and whose grant
// exists; expires_at never moves backwards.
const char* const kLeaseRenewIfLiveSql =
    "UPDATE license_leases l "
    "JOIN license_images i ON i.image_id = l.image_id AND i.revoked_at IS NULL "
    "JOIN license_grants g ON g.orchestrator_id = l.orchestrator_id AND g.image_id = l.image_id "
    "SET l.expires_at = GREATEST(l.expires_at, ?), l.last_seen_at = ?, l.last_seen_ip = ? "
    "WHERE l.lease_id = ? AND l.orchestrator_id = ? AND l.revoked_at IS NULL "
    "AND l.expires_at > ?";

namespace {

std::unique_ptr<sql::ResultSet> Query(sql::PreparedStatement& st) {
  return std::unique_ptr<sql::ResultSet>(st.executeQuery());
}

std::string Text(sql::ResultSet& rs, const char* column) {
  return std::string(rs.getString(column));
}

const std::string& TokenColumns() {
  static const std::string kColumns = "token_id, orchestrator_id, " + IsoColumn("created_at") +
                                      ", " + IsoColumn("revoked_at") + ", " +
                                      IsoColumn("last_seen_at") + " FROM orchestrator_tokens ";
  return kColumns;
}

TokenRecord ReadToken(sql::ResultSet& rs) {
  TokenRecord r;
  r.token_id = Text(rs, "token_id");
  r.orchestrator_id = Text(rs, "orchestrator_id");
  r.created_at = Text(rs, "created_at");
  r.revoked_at = OptString(rs, "revoked_at");
  r.last_seen_at = OptString(rs, "last_seen_at");
  return r;
}

const std::string& ImageColumns() {
  static const std::string kColumns = "image_id, image_ref, " + IsoColumn("created_at") + ", " +
                                      IsoColumn("rotated_at") + ", " + IsoColumn("revoked_at") +
                                      " FROM license_images ";
  return kColumns;
}

ImageRecord ReadImage(sql::ResultSet& rs) {
  ImageRecord r;
  r.image_id = rs.getInt64("image_id");
  r.image_ref = Text(rs, "image_ref");
  r.created_at = Text(rs, "created_at");
  r.rotated_at = OptString(rs, "rotated_at");
  r.revoked_at = OptString(rs, "revoked_at");
  return r;
}

LeaseState ReadLeaseState(sql::ResultSet& rs) {
  LeaseState s;
  s.orchestrator_id = Text(rs, "orchestrator_id");
  s.image_ref = Text(rs, "image_ref");
  s.image_id = rs.getInt64("image_id");
  s.revoked = rs.getBoolean("revoked");
  s.expired = rs.getBoolean("expired");
  s.image_revoked = rs.getBoolean("image_revoked");
  s.granted = rs.getBoolean("granted");
  return s;
}

}  // namespace

// ---------------------------------------------------------------- tokens --

void OrchestratorTokenRepository::Insert(const std::string& token_id,
                                         const std::string& orchestrator_id,
                                         const std::string& token_hash, Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(
      "INSERT INTO orchestrator_tokens (token_id, orchestrator_id, token_hash, created_at) "
      "VALUES (?, ?, ?, ?)");
  st.setString(1, token_id);
  st.setString(2, orchestrator_id);
  st.setString(3, token_hash);
  st.setString(4, now.ToSql());
  st.executeUpdate();
}

std::vector<TokenRecord> OrchestratorTokenRepository::ListFor(const std::string& orchestrator_id) {
  sql::PreparedStatement& st = db_.Prepare(
      "SELECT " + TokenColumns() +
      "WHERE orchestrator_id = ? ORDER BY orchestrator_tokens.created_at DESC, token_id DESC");
  st.setString(1, orchestrator_id);
  auto rs = Query(st);
  std::vector<TokenRecord> out;
  while (rs->next()) out.push_back(ReadToken(*rs));
  return out;
}

std::optional<TokenRecord> OrchestratorTokenRepository::FindForUpdate(
    const std::string& orchestrator_id, const std::string& token_id) {
  sql::PreparedStatement& st = db_.Prepare("SELECT " + TokenColumns() +
                                           "WHERE token_id = ? AND orchestrator_id = ? FOR UPDATE");
  st.setString(1, token_id);
  st.setString(2, orchestrator_id);
  auto rs = Query(st);
  if (!rs->next()) return std::nullopt;
  return ReadToken(*rs);
}

void OrchestratorTokenRepository::Revoke(const std::string& token_id, Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(
      "UPDATE orchestrator_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL");
  st.setString(1, now.ToSql());
  st.setString(2, token_id);
  st.executeUpdate();
}

std::optional<TokenCredential> OrchestratorTokenRepository::FindByHash(
    const std::string& token_hash) {
  sql::PreparedStatement& st = db_.Prepare(kTokenByHashSql);
  st.setString(1, token_hash);
  auto rs = Query(st);
  if (!rs->next()) return std::nullopt;
  TokenCredential c;
  c.token_id = Text(*rs, "token_id");
  c.orchestrator_id = Text(*rs, "orchestrator_id");
  c.token_hash = Text(*rs, "token_hash");
  c.revoked = rs->getBoolean("revoked");
  return c;
}

void OrchestratorTokenRepository::Touch(const std::string& token_id, Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(kTokenTouchSql);
  st.setString(1, now.ToSql());
  st.setString(2, now.ToSql());
  st.setString(3, token_id);
  st.executeUpdate();
}

// ---------------------------------------------------------------- images --

std::optional<ImageRecord> LicenseImageRepository::FindBy(const std::string& image_ref,
                                                          const char* lock) {
  sql::PreparedStatement& st =
      db_.Prepare("SELECT " + ImageColumns() + "WHERE image_ref = ? " + lock);
  st.setString(1, image_ref);
  auto rs = Query(st);
  if (!rs->next()) return std::nullopt;
  return ReadImage(*rs);
}

std::optional<ImageRecord> LicenseImageRepository::FindForUpdate(const std::string& image_ref) {
  return FindBy(image_ref, "FOR UPDATE");
}

std::optional<ImageRecord> LicenseImageRepository::FindShared(const std::string& image_ref) {
  return FindBy(image_ref, "LOCK IN SHARE MODE");
}

int64_t LicenseImageRepository::Insert(const std::string& image_ref,
                                       const std::string& sealed_secret, Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(
      "INSERT INTO license_images (image_ref, secret_ciphertext, created_at) VALUES (?, ?, ?)");
  st.setString(1, image_ref);
  st.setString(2, sealed_secret);
  st.setString(3, now.ToSql());
  st.executeUpdate();
  sql::PreparedStatement& id = db_.Prepare("SELECT LAST_INSERT_ID()");
  auto rs = Query(id);
  rs->next();
  return rs->getInt64(1);
}

void LicenseImageRepository::Rotate(int64_t image_id, const std::string& sealed_secret,
                                    Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(
      "UPDATE license_images SET secret_ciphertext = ?, rotated_at = ?, revoked_at = NULL "
      "WHERE image_id = ?");
  st.setString(1, sealed_secret);
  st.setString(2, now.ToSql());
  st.setInt64(3, image_id);
  st.executeUpdate();
}

void LicenseImageRepository::Revoke(int64_t image_id, Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(
      "UPDATE license_images SET revoked_at = ? WHERE image_id = ? AND revoked_at IS NULL");
  st.setString(1, now.ToSql());
  st.setInt64(2, image_id);
  st.executeUpdate();
}

std::vector<ImageRecord> LicenseImageRepository::List() {
  sql::PreparedStatement& st = db_.Prepare(
      "SELECT " + ImageColumns() + "ORDER BY license_images.created_at DESC, image_id DESC");
  auto rs = Query(st);
  std::vector<ImageRecord> out;
  while (rs->next()) out.push_back(ReadImage(*rs));
  return out;
}

std::vector<SealedSecret> LicenseImageRepository::AllSecretsForUpdate() {
  sql::PreparedStatement& st = db_.Prepare(
      "SELECT image_id, image_ref, secret_ciphertext FROM license_images ORDER BY image_id "
      "FOR UPDATE");
  auto rs = Query(st);
  std::vector<SealedSecret> out;
  while (rs->next()) {
    SealedSecret s;
    s.image_id = rs->getInt64("image_id");
    s.image_ref = Text(*rs, "image_ref");
    s.blob = Text(*rs, "secret_ciphertext");
    out.push_back(std::move(s));
  }
  return out;
}

void LicenseImageRepository::ReplaceSecret(int64_t image_id, const std::string& sealed_secret) {
  sql::PreparedStatement& st =
      db_.Prepare("UPDATE license_images SET secret_ciphertext = ? WHERE image_id = ?");
  st.setString(1, sealed_secret);
  st.setInt64(2, image_id);
  st.executeUpdate();
}

// ---------------------------------------------------------------- grants --

bool LicenseGrantRepository::Grant(const std::string& orchestrator_id, int64_t image_id,
                                   Timestamp now) {
  sql::PreparedStatement& find = db_.Prepare(
      "SELECT 1 FROM license_grants WHERE orchestrator_id = ? AND image_id = ? FOR UPDATE");
  find.setString(1, orchestrator_id);
  find.setInt64(2, image_id);
  if (Query(find)->next()) return false;
  // A concurrent grant of the same pair makes this a duplicate key, which
  // Db::Transaction retries; the retry then finds the row.
  sql::PreparedStatement& st = db_.Prepare(
      "INSERT INTO license_grants (orchestrator_id, image_id, granted_at) VALUES (?, ?, ?)");
  st.setString(1, orchestrator_id);
  st.setInt64(2, image_id);
  st.setString(3, now.ToSql());
  st.executeUpdate();
  return true;
}

bool LicenseGrantRepository::Revoke(const std::string& orchestrator_id, int64_t image_id) {
  sql::PreparedStatement& st =
      db_.Prepare("DELETE FROM license_grants WHERE orchestrator_id = ? AND image_id = ?");
  st.setString(1, orchestrator_id);
  st.setInt64(2, image_id);
  return st.executeUpdate() > 0;
}

AccessMap LicenseGrantRepository::Map() {
  sql::PreparedStatement& st = db_.Prepare(
      "SELECT g.orchestrator_id, i.image_ref FROM license_grants g "
      "JOIN license_images i ON i.image_id = g.image_id "
      "ORDER BY g.orchestrator_id, i.image_ref");
  auto rs = Query(st);
  AccessMap out;
  while (rs->next()) out[Text(*rs, "orchestrator_id")].push_back(Text(*rs, "image_ref"));
  return out;
}

// ---------------------------------------------------------------- leases --

std::optional<ImageAccess> LicenseLeaseRepository::ImageAccessShared(
    const std::string& orchestrator_id, const std::string& image_ref) {
  sql::PreparedStatement& st = db_.Prepare(
      "SELECT i.image_id, i.revoked_at IS NOT NULL AS revoked, g.image_id IS NOT NULL AS granted, "
      "i.secret_ciphertext FROM license_images i "
      "LEFT JOIN license_grants g ON g.orchestrator_id = ? AND g.image_id = i.image_id "
      "WHERE i.image_ref = ? LOCK IN SHARE MODE");
  st.setString(1, orchestrator_id);
  st.setString(2, image_ref);
  auto rs = Query(st);
  if (!rs->next()) return std::nullopt;
  ImageAccess a;
  a.image_id = rs->getInt64("image_id");
  a.revoked = rs->getBoolean("revoked");
  a.granted = rs->getBoolean("granted");
  a.sealed_secret = Text(*rs, "secret_ciphertext");
  return a;
}

void LicenseLeaseRepository::Insert(const std::string& lease_id, const std::string& orchestrator_id,
                                    int64_t image_id, Timestamp now, Timestamp expires_at,
                                    const std::string& ip) {
  sql::PreparedStatement& st = db_.Prepare(
      "INSERT INTO license_leases (lease_id, orchestrator_id, image_id, issued_at, last_seen_at, "
      "last_seen_ip, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  st.setString(1, lease_id);
  st.setString(2, orchestrator_id);
  st.setInt64(3, image_id);
  st.setString(4, now.ToSql());
  st.setString(5, now.ToSql());
  st.setString(6, ip);
  st.setString(7, expires_at.ToSql());
  st.executeUpdate();
}

std::optional<LeaseState> LicenseLeaseRepository::State(const std::string& lease_id,
                                                        Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(kLeaseStateSql);
  st.setString(1, now.ToSql());
  st.setString(2, lease_id);
  auto rs = Query(st);
  if (!rs->next()) return std::nullopt;
  return ReadLeaseState(*rs);
}

std::optional<LeaseState> LicenseLeaseRepository::StateForUpdate(const std::string& lease_id,
                                                                 Timestamp now) {
  // Lock order lease (X) -> image (S) -> grant (S), the same as RenewIfLive,
  // so heartbeats cannot deadlock each other; admin changes lock one row.
  sql::PreparedStatement& lock =
      db_.Prepare("SELECT lease_id FROM license_leases WHERE lease_id = ? FOR UPDATE");
  lock.setString(1, lease_id);
  if (!Query(lock)->next()) return std::nullopt;
  sql::PreparedStatement& st = db_.Prepare(std::string(kLeaseStateSql) + " LOCK IN SHARE MODE");
  st.setString(1, now.ToSql());
  st.setString(2, lease_id);
  auto rs = Query(st);
  if (!rs->next()) return std::nullopt;
  return ReadLeaseState(*rs);
}

bool LicenseLeaseRepository::RenewIfLive(const std::string& lease_id,
                                         const std::string& orchestrator_id, Timestamp now,
                                         Timestamp expires_at, const std::string& ip) {
  sql::PreparedStatement& st = db_.Prepare(kLeaseRenewIfLiveSql);
  st.setString(1, expires_at.ToSql());
  st.setString(2, now.ToSql());
  st.setString(3, ip);
  st.setString(4, lease_id);
  st.setString(5, orchestrator_id);
  st.setString(6, now.ToSql());
  return st.executeUpdate() > 0;
}

void LicenseLeaseRepository::Renew(const std::string& lease_id, Timestamp now, Timestamp expires_at,
                                   const std::string& ip) {
  sql::PreparedStatement& st = db_.Prepare(
      "UPDATE license_leases SET expires_at = GREATEST(expires_at, ?), last_seen_at = ?, "
      "last_seen_ip = ? WHERE lease_id = ?");
  st.setString(1, expires_at.ToSql());
  st.setString(2, now.ToSql());
  st.setString(3, ip);
  st.setString(4, lease_id);
  st.executeUpdate();
}

void LicenseLeaseRepository::Revoke(const std::string& lease_id, Timestamp now,
                                    const std::string& ip) {
  sql::PreparedStatement& st = db_.Prepare(
      "UPDATE license_leases SET revoked_at = COALESCE(revoked_at, ?), last_seen_at = ?, "
      "last_seen_ip = ? WHERE lease_id = ?");
  st.setString(1, now.ToSql());
  st.setString(2, now.ToSql());
  st.setString(3, ip);
  st.setString(4, lease_id);
  st.executeUpdate();
}

std::vector<LeaseRecord> LicenseLeaseRepository::List(const LeaseFilter& filter, Timestamp now) {
  // One statement text per combination of filters (at most eight, each
  // prepared once per connection); every value is bound. The leases drive
  // the join (STRAIGHT_JOIN) and the image filter is resolved to its id
  // first, so that each variant walks an (x, issued_at) index backwards and
  // stops at `limit` rows instead of sorting every lease of an image.
  std::string sql_text =
      "SELECT l.lease_id, l.orchestrator_id, i.image_ref, " + IsoColumn("l.issued_at") + ", " +
      IsoColumn("l.last_seen_at") + ", l.last_seen_ip, " + IsoColumn("l.expires_at") + ", " +
      IsoColumn("l.revoked_at") +
      ", (l.revoked_at IS NULL AND l.expires_at > ?) AS active "
      "FROM license_leases l STRAIGHT_JOIN license_images i ON i.image_id = l.image_id "
      "WHERE TRUE";
  if (filter.orchestrator_id) sql_text += " AND l.orchestrator_id = ?";
  if (filter.image_ref) {
    sql_text += " AND l.image_id = (SELECT image_id FROM license_images WHERE image_ref = ?)";
  }
  if (filter.active_only) sql_text += " AND l.revoked_at IS NULL AND l.expires_at > ?";
  sql_text += " ORDER BY l.issued_at DESC, l.lease_id DESC LIMIT ?";
  sql::PreparedStatement& st = db_.Prepare(sql_text);
  int i = 1;
  st.setString(i++, now.ToSql());
  if (filter.orchestrator_id) st.setString(i++, *filter.orchestrator_id);
  if (filter.image_ref) st.setString(i++, *filter.image_ref);
  if (filter.active_only) st.setString(i++, now.ToSql());
  st.setInt(i++, filter.limit);
  auto rs = Query(st);
  std::vector<LeaseRecord> out;
  while (rs->next()) {
    LeaseRecord r;
    r.lease_id = Text(*rs, "lease_id");
    r.orchestrator_id = Text(*rs, "orchestrator_id");
    r.image_ref = Text(*rs, "image_ref");
    r.issued_at = Text(*rs, "issued_at");
    r.last_seen_at = Text(*rs, "last_seen_at");
    r.last_seen_ip = OptString(*rs, "last_seen_ip");
    r.expires_at = Text(*rs, "expires_at");
    r.revoked_at = OptString(*rs, "revoked_at");
    r.active = rs->getBoolean("active");
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace payments
