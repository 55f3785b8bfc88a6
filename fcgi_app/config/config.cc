#include "config/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <regex>

#include "crypto/crypto.h"

#ifndef PAYMENTS_DEFAULT_MIGRATIONS_DIR
#define PAYMENTS_DEFAULT_MIGRATIONS_DIR "sql"
#endif

namespace payments {
namespace {

class Reader {
 public:
  explicit Reader(const std::function<const char*(const char*)>& lookup) : lookup_(lookup) {}

  std::string String(const char* name, const std::string& fallback) const {
    const char* value = lookup_(name);
    return value == nullptr ? fallback : std::string(value);
  }

  // Unset or empty means the default.
  int Int(const char* name, int fallback, int min, int max) const {
    const std::string text = String(name, "");
    if (text.empty()) return fallback;
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
      throw ConfigError(std::string(name) + ": must be an integer from " + std::to_string(min) +
                        " to " + std::to_string(max) + ", got '" + text + "'");
    }
    return value;
  }

  // Unset or empty means the default.
  double Double(const char* name, double fallback, double min, double max) const {
    const std::string text = String(name, "");
    if (text.empty()) return fallback;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !(value >= min && value <= max)) {
      throw ConfigError(std::string(name) + ": must be a number from " + Format(min) + " to " +
                        Format(max) + ", got '" + text + "'");
    }
    return value;
  }

  // true/false, 1/0, yes/no, on/off (any case); unset or empty means the default.
  bool Bool(const char* name, bool fallback) const {
    const std::string text = ToLower(String(name, ""));
    if (text.empty()) return fallback;
    if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
    if (text == "false" || text == "0" || text == "no" || text == "off") return false;
    throw ConfigError(std::string(name) + ": must be true or false, got '" + text + "'");
  }

  // A positive ETH amount with at most 18 decimals; unset or empty means the default.
  Money Amount(const char* name, Money fallback) const {
    const std::string text = String(name, "");
    if (text.empty()) return fallback;
    Money value;
    std::string error;
    if (!Money::Parse(text, &value, &error)) {
      throw ConfigError(std::string(name) + ": " + error + ", got '" + text + "'");
    }
    if (!value.IsPositive()) {
      throw ConfigError(std::string(name) + ": must be greater than 0, got '" + text + "'");
    }
    return value;
  }

 private:
  static std::string Format(double value) {
    std::string text = std::to_string(value);
    text.erase(text.find_last_not_of('0') + 1);
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text;
  }

  const std::function<const char*(const char*)>& lookup_;
};

bool IsAddress(const std::string& text) {
  static const std::regex kAddress("^0x[a-fA-F0-9]{40}$");
  return std::regex_match(text, kAddress);
}

std::vector<std::string> AddressList(const char* name, const std::string& text) {
  std::vector<std::string> out;
  for (const std::string& item : SplitList(text)) {
    if (!IsAddress(item)) {
      throw ConfigError(std::string(name) + ": '" + item + "' is not a 0x-prefixed 40-hex address");
    }
    out.push_back(ToLower(item));
  }
  return out;
}

bool IsHttpUrl(const std::string& text) {
  return (text.rfind("http://", 0) == 0 && text.size() > 7) ||
         (text.rfind("https://", 0) == 0 && text.size() > 8);
}

CycleConfig LoadCycle(const Reader& env) {
  CycleConfig c;
  c.interval_seconds = env.Int("PAYMENT_INTERVAL_SECONDS", c.interval_seconds, 1, 86400);
  c.increment = env.Amount("PAYMENT_INCREMENT_ETH", c.increment);
  c.default_health_timeout =
      env.Double("PAYMENTS_DEFAULT_HEALTH_TIMEOUT", c.default_health_timeout, 0.1, 60);
  c.health_concurrency = env.Int("PAYMENTS_HEALTH_CONCURRENCY", c.health_concurrency, 1, 256);
  c.miss_threshold = env.Int("PAYMENTS_MISS_THRESHOLD", c.miss_threshold, 1, 1000);
  c.cooldown_seconds = env.Int("PAYMENTS_COOLDOWN_SECONDS", c.cooldown_seconds, 1, 86400 * 365);
  c.payout_threshold = env.Amount("PAYMENT_PAYOUT_THRESHOLD_ETH", c.payout_threshold);
  c.dry_run = env.Bool("PAYMENT_DRY_RUN", c.dry_run);
  c.eth_rpc_url = env.String("ETH_RPC_URL", "");
  c.from_address = env.String("PAYMENT_FROM_ADDRESS", "");
  const std::string chain = env.String("ETH_CHAIN_ID", "");
  if (!chain.empty()) {
    auto [end, ec] = std::from_chars(chain.data(), chain.data() + chain.size(), c.chain_id);
    if (ec != std::errc() || end != chain.data() + chain.size() || c.chain_id < 1) {
      throw ConfigError("ETH_CHAIN_ID: must be a positive integer, got '" + chain + "'");
    }
  }
  c.eth_rpc_timeout = env.Double("PAYMENTS_ETH_RPC_TIMEOUT", c.eth_rpc_timeout, 1, 300);
  if (!c.eth_rpc_url.empty() && !IsHttpUrl(c.eth_rpc_url)) {
    throw ConfigError("ETH_RPC_URL: must be an http:// or https:// URL");
  }
  if (!c.from_address.empty() && !IsAddress(c.from_address)) {
    throw ConfigError("PAYMENT_FROM_ADDRESS: must be a 0x-prefixed 40-hex address, got '" +
                      c.from_address + "'");
  }
  if (!c.dry_run) {
    // Live payouts move real money: every setting they need must be explicit.
    if (c.eth_rpc_url.empty())
      throw ConfigError("ETH_RPC_URL: required when PAYMENT_DRY_RUN=false");
    if (c.from_address.empty()) {
      throw ConfigError("PAYMENT_FROM_ADDRESS: required when PAYMENT_DRY_RUN=false");
    }
    if (c.chain_id == 0) throw ConfigError("ETH_CHAIN_ID: required when PAYMENT_DRY_RUN=false");
  }
  c.bootstrap_json = env.String("PAYMENTS_BOOTSTRAP_ORCHESTRATORS", "");
  c.bootstrap_path = env.String("PAYMENTS_BOOTSTRAP_ORCHESTRATORS_PATH", "");
  c.single_mode = env.Bool("PAYMENTS_SINGLE_ORCHESTRATOR_MODE", false);
  c.single_id = env.String("ORCHESTRATOR_ID", "");
  c.single_address = env.String("ORCHESTRATOR_ADDRESS", "");
  c.single_health_url = env.String("ORCHESTRATOR_HEALTH_URL", "");
  if (c.single_mode) {
    if (c.single_id.empty() || c.single_id.size() > 128) {
      throw ConfigError("ORCHESTRATOR_ID: required (1-128 characters) in single-orchestrator mode");
    }
    if (!IsAddress(c.single_address)) {
      throw ConfigError(
          "ORCHESTRATOR_ADDRESS: a 0x-prefixed 40-hex address is required in "
          "single-orchestrator mode");
    }
    if (!c.single_health_url.empty() && !IsHttpUrl(c.single_health_url)) {
      throw ConfigError("ORCHESTRATOR_HEALTH_URL: must be an http:// or https:// URL");
    }
  }
  return c;
}

bool IsIpOrCidr(const std::string& item) {
  std::string ip = item;
  const auto slash = item.find('/');
  if (slash != std::string::npos) {
    ip = item.substr(0, slash);
    const std::string bits = item.substr(slash + 1);
    int value = -1;
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
    if (ec != std::errc() || end != bits.data() + bits.size() || value < 0 || value > 128) {
      return false;
    }
  }
  unsigned char buf[16];
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) {
    return slash == std::string::npos || std::stoi(item.substr(slash + 1)) <= 32;
  }
  return inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

}  // namespace

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (c == ',' || std::isspace(static_cast<unsigned char>(c)) != 0) {
      if (!current.empty()) out.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

std::string ToLower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

Config Config::Load(const std::function<const char*(const char*)>& lookup) {
  const Reader env(lookup);
  Config c;

  c.db.host = env.String("PAYMENTS_DB_HOST", c.db.host);
  if (c.db.host.empty()) c.db.host = "127.0.0.1";
  c.db.port = env.Int("PAYMENTS_DB_PORT", c.db.port, 1, 65535);
  c.db.socket = env.String("PAYMENTS_DB_SOCKET", "");
  c.db.name = env.String("PAYMENTS_DB_NAME", "");
  if (c.db.name.empty()) c.db.name = "payments";
  c.db.user = env.String("PAYMENTS_DB_USER", "");
  if (c.db.user.empty()) c.db.user = "root";
  c.db.password = env.String("PAYMENTS_DB_PASSWORD", "");
  if (c.db.name.empty() || c.db.name.size() > 64 ||
      !std::all_of(c.db.name.begin(), c.db.name.end(),
                   [](unsigned char ch) { return std::isalnum(ch) != 0 || ch == '_'; })) {
    throw ConfigError("PAYMENTS_DB_NAME: must be 1-64 letters, digits or '_', got '" + c.db.name +
                      "'");
  }
  c.migrations_dir = env.String("PAYMENTS_MIGRATIONS_DIR", "");
  if (c.migrations_dir.empty()) c.migrations_dir = PAYMENTS_DEFAULT_MIGRATIONS_DIR;

  c.fcgi_listen = env.String("PAYMENTS_FCGI_LISTEN", "");
  if (c.fcgi_listen.empty()) c.fcgi_listen = "127.0.0.1:9000";
  c.workers = env.Int("PAYMENTS_WORKERS", c.workers, 1, 256);
  c.threads = env.Int("PAYMENTS_THREADS", c.threads, 1, 256);
  c.max_body_bytes = static_cast<std::size_t>(
      env.Int("PAYMENTS_MAX_BODY_BYTES", static_cast<int>(c.max_body_bytes), 1024, 64 << 20));
  c.log_level = ToLower(env.String("PAYMENTS_LOG_LEVEL", ""));
  if (c.log_level.empty()) c.log_level = "info";
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warning" &&
      c.log_level != "error") {
    throw ConfigError("PAYMENTS_LOG_LEVEL: must be debug, info, warning or error, got '" +
                      c.log_level + "'");
  }

  c.admin_token = env.String("PAYMENTS_API_ADMIN_TOKEN", "");
  if (!c.admin_token.empty() && c.admin_token.size() < 16) {
    throw ConfigError(
        "PAYMENTS_API_ADMIN_TOKEN: must be at least 16 characters (or empty to "
        "disable the admin API)");
  }
  c.viewer_tokens = SplitList(env.String("PAYMENTS_VIEWER_TOKENS", ""));
  for (const std::string& token : c.viewer_tokens) {
    if (token.size() < 16) {
      throw ConfigError("PAYMENTS_VIEWER_TOKENS: every token must be at least 16 characters");
    }
  }
  c.manager_ip_allowlist = SplitList(env.String("PAYMENTS_MANAGER_IP_ALLOWLIST", ""));
  for (const std::string& item : c.manager_ip_allowlist) {
    if (!IsIpOrCidr(item)) {
      throw ConfigError("PAYMENTS_MANAGER_IP_ALLOWLIST: '" + item + "' is not an IP or CIDR");
    }
  }

  c.registration_per_minute =
      env.Int("PAYMENTS_REGISTRATION_PER_MINUTE", c.registration_per_minute, 1, 1000000);
  c.registration_burst = env.Int("PAYMENTS_REGISTRATION_BURST", c.registration_burst, 1, 1000000);
  c.address_denylist =
      AddressList("PAYMENTS_ADDRESS_DENYLIST", env.String("PAYMENTS_ADDRESS_DENYLIST", ""));
  c.top_orchestrators =
      AddressList("PAYMENTS_TOP_ORCHESTRATORS", env.String("PAYMENTS_TOP_ORCHESTRATORS", ""));
  c.top_orchestrators_path = env.String("PAYMENTS_TOP_ORCHESTRATORS_PATH", "");

  c.data_dir = env.String("PAYMENTS_DATA_DIR", c.data_dir);
  if (c.data_dir.empty()) c.data_dir = "data";
  c.audit_log_path = env.String("PAYMENTS_AUDIT_LOG_PATH", "");
  if (c.audit_log_path.empty()) c.audit_log_path = c.data_dir + "/audit/registry.log";
  c.ledger_journal_path = env.String("PAYMENTS_LEDGER_JOURNAL_PATH", "");
  if (c.ledger_journal_path.empty())
    c.ledger_journal_path = c.data_dir + "/audit/ledger-events.log";
  c.license_audit_log_path = env.String("PAYMENTS_LICENSE_AUDIT_LOG_PATH", "");
  if (c.license_audit_log_path.empty()) {
    c.license_audit_log_path = c.data_dir + "/audit/license.log";
  }

  c.secrets_key_b64 = env.String("PAYMENTS_SECRETS_KEY", "");
  if (!c.secrets_key_b64.empty()) {
    crypto::SecretBox box;
    std::string error;
    if (!crypto::SecretBox::FromBase64Key(c.secrets_key_b64, &box, &error)) {
      throw ConfigError("PAYMENTS_SECRETS_KEY: " + error);
    }
  }
  c.license_lease_seconds =
      env.Int("PAYMENTS_LICENSE_LEASE_SECONDS", c.license_lease_seconds, 1, 86400 * 7);
  c.cycle = LoadCycle(env);
  return c;
}

Config Config::FromEnvironment() {
  return Load([](const char* name) -> const char* { return std::getenv(name); });
}

}  // namespace payments
