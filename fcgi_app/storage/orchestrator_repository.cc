#include "storage/orchestrator_repository.h"

#include <json/reader.h>
#include <json/value.h>

#include <algorithm>
#include <memory>

#include "http/json.h"

namespace payments {
namespace {

const std::string& SelectColumns() {
  static const std::string kColumns =
      "o.orchestrator_id, o.address, o.address_key, o.capability, o.contact_email, "
      "o.host_public_ip, o.host_name, o.health_url, o.health_timeout, "
      "CAST(o.monitored_services AS CHAR) AS monitored_services, o.min_service_uptime, "
      "o.last_seen_ip, o.is_top_100, o.denylisted, o.eligible_for_payments, "
      "o.registration_count, o.consecutive_misses, " +
      IsoColumn("o.first_seen") + ", " + IsoColumn("o.last_seen") + ", " +
      IsoColumn("o.cooldown_expires_at") + ", " + IsoColumn("o.last_missed_all_services") + ", " +
      IsoColumn("o.last_healthy_at") + ", " + IsoColumn("o.last_cooldown_started_at") + ", " +
      IsoColumn("o.last_cooldown_cleared_at") +
      ", CAST(COALESCE(b.balance_eth, 0) AS CHAR) AS balance_eth "
      "FROM orchestrators o LEFT JOIN balances b ON b.orchestrator_id = o.orchestrator_id ";
  return kColumns;
}

OrchestratorRecord ReadRecord(sql::ResultSet& rs) {
  OrchestratorRecord r;
  r.orchestrator_id = rs.getString("orchestrator_id");
  r.address = rs.getString("address");
  r.address_key = rs.getString("address_key");
  r.capability = OptString(rs, "capability");
  r.contact_email = OptString(rs, "contact_email");
  r.host_public_ip = OptString(rs, "host_public_ip");
  r.host_name = OptString(rs, "host_name");
  r.health_url = OptString(rs, "health_url");
  r.health_timeout = OptDouble(rs, "health_timeout");
  const Json::Value services = JsonColumn(rs, "monitored_services");
  if (services.isArray()) {
    r.monitored_services.emplace();
    for (const Json::Value& item : services) {
      if (item.isString()) r.monitored_services->push_back(item.asString());
    }
  }
  r.min_service_uptime = OptDouble(rs, "min_service_uptime");
  r.last_seen_ip = OptString(rs, "last_seen_ip");
  r.is_top_100 = rs.getBoolean("is_top_100");
  r.denylisted = rs.getBoolean("denylisted");
  r.eligible_for_payments = rs.getBoolean("eligible_for_payments");
  r.registration_count = rs.getInt("registration_count");
  r.consecutive_misses = rs.getInt("consecutive_misses");
  r.first_seen = rs.getString("first_seen");
  r.last_seen = rs.getString("last_seen");
  r.cooldown_expires_at = OptString(rs, "cooldown_expires_at");
  r.last_missed_all_services = OptString(rs, "last_missed_all_services");
  r.last_healthy_at = OptString(rs, "last_healthy_at");
  r.last_cooldown_started_at = OptString(rs, "last_cooldown_started_at");
  r.last_cooldown_cleared_at = OptString(rs, "last_cooldown_cleared_at");
  r.balance = MoneyColumn(rs, "balance_eth");
  return r;
}

std::optional<std::string> ServicesJson(const std::optional<std::vector<std::string>>& services) {
  if (!services) return std::nullopt;
  Json::Value list(Json::arrayValue);
  for (const std::string& s : *services) list.append(s);
  return ToJson(list);
}

// Binds the registration-managed columns in the order of kWritableColumns.
int BindWritable(sql::PreparedStatement& st, const OrchestratorRecord& r) {
  int i = 1;
  st.setString(i++, r.address);
  st.setString(i++, r.address_key);
  BindOptString(st, i++, r.capability);
  BindOptString(st, i++, r.contact_email);
  BindOptString(st, i++, r.host_public_ip);
  BindOptString(st, i++, r.host_name);
  BindOptString(st, i++, r.health_url);
  BindOptDouble(st, i++, r.health_timeout);
  BindOptString(st, i++, ServicesJson(r.monitored_services));
  BindOptDouble(st, i++, r.min_service_uptime);
  BindOptString(st, i++, r.last_seen_ip);
  st.setBoolean(i++, r.is_top_100);
  st.setBoolean(i++, r.denylisted);
  st.setBoolean(i++, r.eligible_for_payments);
  st.setInt(i++, r.registration_count);
  st.setString(i++, SqlTime(r.last_seen));
  BindOptString(st, i++, SqlTime(r.last_healthy_at));
  return i;
}

constexpr const char* kWritableAssignments =
    "address = ?, address_key = ?, capability = ?, contact_email = ?, host_public_ip = ?, "
    "host_name = ?, health_url = ?, health_timeout = ?, monitored_services = ?, "
    "min_service_uptime = ?, last_seen_ip = ?, is_top_100 = ?, denylisted = ?, "
    "eligible_for_payments = ?, registration_count = ?, last_seen = ?, last_healthy_at = ?";

}  // namespace

bool OrchestratorRecord::CooldownActive(Timestamp now) const {
  if (!cooldown_expires_at) return false;
  const auto expires = Timestamp::ParseIso(*cooldown_expires_at);
  return expires && now < *expires;
}

std::optional<OrchestratorRecord> OrchestratorRepository::FindBy(const std::string& id,
                                                                 bool for_update) {
  sql::PreparedStatement& st =
      db_.Prepare("SELECT " + SelectColumns() + "WHERE o.orchestrator_id = ?" +
                  (for_update ? " FOR UPDATE" : ""));
  st.setString(1, id);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  if (!rs->next()) return std::nullopt;
  return ReadRecord(*rs);
}

std::optional<OrchestratorRecord> OrchestratorRepository::Find(const std::string& id) {
  return FindBy(id, false);
}

std::optional<OrchestratorRecord> OrchestratorRepository::FindForUpdate(const std::string& id) {
  return FindBy(id, true);
}

bool OrchestratorRepository::Exists(const std::string& orchestrator_id) {
  sql::PreparedStatement& st =
      db_.Prepare("SELECT 1 FROM orchestrators WHERE orchestrator_id = ? LOCK IN SHARE MODE");
  st.setString(1, orchestrator_id);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  return rs->next();
}

std::optional<std::string> OrchestratorRepository::IdByAddressForUpdate(
    const std::string& address_key) {
  sql::PreparedStatement& st =
      db_.Prepare("SELECT orchestrator_id FROM orchestrators WHERE address_key = ? FOR UPDATE");
  st.setString(1, address_key);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  if (!rs->next()) return std::nullopt;
  return std::string(rs->getString(1));
}

std::vector<OrchestratorRecord> OrchestratorRepository::List() {
  sql::PreparedStatement& st =
      db_.Prepare("SELECT " + SelectColumns() + "ORDER BY o.orchestrator_id");
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::vector<OrchestratorRecord> out;
  while (rs->next()) out.push_back(ReadRecord(*rs));
  return out;
}

std::optional<std::string> OrchestratorRepository::MarkDenylisted(const std::string& address_key) {
  const auto id = IdByAddressForUpdate(address_key);
  if (!id) return std::nullopt;
  sql::PreparedStatement& st = db_.Prepare(
      "UPDATE orchestrators SET denylisted = TRUE, eligible_for_payments = FALSE "
      "WHERE orchestrator_id = ?");
  st.setString(1, *id);
  st.executeUpdate();
  return id;
}

void OrchestratorRepository::Insert(const OrchestratorRecord& r) {
  sql::PreparedStatement& st =
      db_.Prepare(std::string("INSERT INTO orchestrators SET ") + kWritableAssignments +
                  ", orchestrator_id = ?, first_seen = ?");
  int i = BindWritable(st, r);
  st.setString(i++, r.orchestrator_id);
  st.setString(i++, SqlTime(r.first_seen));
  st.executeUpdate();
  sql::PreparedStatement& balance = db_.Prepare(
      "INSERT INTO balances (orchestrator_id, balance_eth, updated_at) VALUES (?, 0, ?)");
  balance.setString(1, r.orchestrator_id);
  balance.setString(2, SqlTime(r.first_seen));
  balance.executeUpdate();
}

void OrchestratorRepository::Update(const OrchestratorRecord& r) {
  sql::PreparedStatement& st = db_.Prepare(std::string("UPDATE orchestrators SET ") +
                                           kWritableAssignments + " WHERE orchestrator_id = ?");
  const int i = BindWritable(st, r);
  st.setString(i, r.orchestrator_id);
  if (st.executeUpdate() != 1) {
    throw std::runtime_error("orchestrator " + r.orchestrator_id + " vanished during update");
  }
}

void OrchestratorRepository::UpdateHealthState(const OrchestratorRecord& r) {
  sql::PreparedStatement& st = db_.Prepare(
      "UPDATE orchestrators SET consecutive_misses = ?, cooldown_expires_at = ?, "
      "last_missed_all_services = ?, last_healthy_at = ?, last_cooldown_started_at = ?, "
      "last_cooldown_cleared_at = ?, eligible_for_payments = ? WHERE orchestrator_id = ?");
  st.setInt(1, r.consecutive_misses);
  BindOptString(st, 2, SqlTime(r.cooldown_expires_at));
  BindOptString(st, 3, SqlTime(r.last_missed_all_services));
  BindOptString(st, 4, SqlTime(r.last_healthy_at));
  BindOptString(st, 5, SqlTime(r.last_cooldown_started_at));
  BindOptString(st, 6, SqlTime(r.last_cooldown_cleared_at));
  st.setBoolean(7, r.eligible_for_payments);
  st.setString(8, r.orchestrator_id);
  if (st.executeUpdate() != 1) {
    throw std::runtime_error("orchestrator " + r.orchestrator_id + " vanished during update");
  }
}

std::vector<std::string> OrchestratorRepository::ExpiredCooldowns(Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(
      "SELECT orchestrator_id FROM orchestrators WHERE cooldown_expires_at <= ? "
      "ORDER BY orchestrator_id");
  st.setString(1, now.ToSql());
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::vector<std::string> out;
  while (rs->next()) out.push_back(rs->getString(1));
  return out;
}

bool RateLimitRepository::Acquire(std::vector<std::string> buckets, Timestamp now,
                                  const std::vector<Window>& windows) {
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  if (buckets.empty() || windows.empty()) return true;
  int longest = 0;
  for (const Window& w : windows) longest = std::max(longest, w.seconds);
  std::string placeholders;  // ?, ?
  std::string keys;          // (?), (?)
  std::string rows;          // (?, ?), (?, ?)
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    placeholders += i == 0 ? "?" : ", ?";
    keys += i == 0 ? "(?)" : ", (?)";
    rows += i == 0 ? "(?, ?)" : ", (?, ?)";
  }
  // One round trip each: lock every bucket row (exclusive, in sorted order),
  // count each bucket's hits in every window, then prune and record.
  sql::PreparedStatement& lock = db_.Prepare("INSERT INTO rate_limit_keys (bucket) VALUES " + keys +
                                             " ON DUPLICATE KEY UPDATE bucket = bucket");
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    lock.setString(static_cast<int>(i) + 1, buckets[i]);
  }
  lock.executeUpdate();

  std::string sums;
  for (std::size_t i = 0; i < windows.size(); ++i) {
    sums += i == 0 ? "" : ", ";
    sums += "COALESCE(SUM(hit_at > ?), 0)";
  }
  sql::PreparedStatement& count = db_.Prepare("SELECT " + sums +
                                              " FROM rate_limit_hits WHERE bucket = ? AND "
                                              "hit_at > ?");
  for (const std::string& bucket : buckets) {
    int p = 1;
    for (const Window& w : windows) count.setString(p++, now.PlusSeconds(-w.seconds).ToSql());
    count.setString(p++, bucket);
    count.setString(p, now.PlusSeconds(-longest).ToSql());
    std::unique_ptr<sql::ResultSet> rs(count.executeQuery());
    rs->next();
    for (std::size_t i = 0; i < windows.size(); ++i) {
      if (rs->getInt64(static_cast<int>(i) + 1) >= windows[i].limit) return false;
    }
  }

  sql::PreparedStatement& prune = db_.Prepare("DELETE FROM rate_limit_hits WHERE bucket IN (" +
                                              placeholders + ") AND hit_at <= ?");
  int p = 1;
  for (const std::string& bucket : buckets) prune.setString(p++, bucket);
  prune.setString(p, now.PlusSeconds(-longest).ToSql());
  prune.executeUpdate();

  sql::PreparedStatement& hit =
      db_.Prepare("INSERT INTO rate_limit_hits (bucket, hit_at) VALUES " + rows);
  p = 1;
  for (const std::string& bucket : buckets) {
    hit.setString(p++, bucket);
    hit.setString(p++, now.ToSql());
  }
  hit.executeUpdate();
  return true;
}

}  // namespace payments
