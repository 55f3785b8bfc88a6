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

std::optional<std::vector<std::string>> ParseServices(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  Json::Value value;
  Json::CharReaderBuilder builder;
  std::string errors;
  std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  if (!reader->parse(text->data(), text->data() + text->size(), &value, &errors) ||
      !value.isArray()) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const Json::Value& item : value) {
    if (item.isString()) out.push_back(item.asString());
  }
  return out;
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
  r.monitored_services = ParseServices(OptString(rs, "monitored_services"));
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
  std::string error;
  if (!Money::Parse(std::string(rs.getString("balance_eth")), &r.balance, &error)) {
    throw std::runtime_error("unreadable balance for " + r.orchestrator_id);
  }
  return r;
}

void SetOptString(sql::PreparedStatement& st, int index, const std::optional<std::string>& value) {
  if (value) {
    st.setString(index, *value);
  } else {
    st.setNull(index, 0);
  }
}

void SetOptDouble(sql::PreparedStatement& st, int index, const std::optional<double>& value) {
  if (value) {
    st.setDouble(index, *value);
  } else {
    st.setNull(index, 0);
  }
}

std::optional<std::string> IsoToSql(const std::optional<std::string>& iso) {
  if (!iso) return std::nullopt;
  const auto ts = Timestamp::ParseIso(*iso);
  if (!ts) throw std::runtime_error("bad timestamp " + *iso);
  return ts->ToSql();
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
  SetOptString(st, i++, r.capability);
  SetOptString(st, i++, r.contact_email);
  SetOptString(st, i++, r.host_public_ip);
  SetOptString(st, i++, r.host_name);
  SetOptString(st, i++, r.health_url);
  SetOptDouble(st, i++, r.health_timeout);
  SetOptString(st, i++, ServicesJson(r.monitored_services));
  SetOptDouble(st, i++, r.min_service_uptime);
  SetOptString(st, i++, r.last_seen_ip);
  st.setBoolean(i++, r.is_top_100);
  st.setBoolean(i++, r.denylisted);
  st.setBoolean(i++, r.eligible_for_payments);
  st.setInt(i++, r.registration_count);
  st.setString(i++, *IsoToSql(r.last_seen));
  SetOptString(st, i++, IsoToSql(r.last_healthy_at));
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
  st.setString(i++, *IsoToSql(r.first_seen));
  st.executeUpdate();
  sql::PreparedStatement& balance = db_.Prepare(
      "INSERT INTO balances (orchestrator_id, balance_eth, updated_at) VALUES (?, 0, ?)");
  balance.setString(1, r.orchestrator_id);
  balance.setString(2, *IsoToSql(r.first_seen));
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

bool RateLimitRepository::Acquire(std::vector<std::string> buckets, Timestamp now,
                                  const std::vector<Window>& windows) {
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  int longest = 0;
  for (const Window& w : windows) longest = std::max(longest, w.seconds);
  sql::PreparedStatement& lock = db_.Prepare(
      "INSERT INTO rate_limit_keys (bucket) VALUES (?) ON DUPLICATE KEY UPDATE bucket = bucket");
  sql::PreparedStatement& count =
      db_.Prepare("SELECT COUNT(*) FROM rate_limit_hits WHERE bucket = ? AND hit_at > ?");
  for (const std::string& bucket : buckets) {
    lock.setString(1, bucket);
    lock.executeUpdate();
  }
  for (const std::string& bucket : buckets) {
    for (const Window& w : windows) {
      count.setString(1, bucket);
      count.setString(2, now.PlusSeconds(-w.seconds).ToSql());
      std::unique_ptr<sql::ResultSet> rs(count.executeQuery());
      rs->next();
      if (rs->getInt64(1) >= w.limit) return false;
    }
  }
  sql::PreparedStatement& prune =
      db_.Prepare("DELETE FROM rate_limit_hits WHERE bucket = ? AND hit_at <= ?");
  sql::PreparedStatement& hit =
      db_.Prepare("INSERT INTO rate_limit_hits (bucket, hit_at) VALUES (?, ?)");
  for (const std::string& bucket : buckets) {
    prune.setString(1, bucket);
    prune.setString(2, now.PlusSeconds(-longest).ToSql());
    prune.executeUpdate();
    hit.setString(1, bucket);
    hit.setString(2, now.ToSql());
    hit.executeUpdate();
  }
  return true;
}

}  // namespace payments
