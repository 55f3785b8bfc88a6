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

 private:
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
  return c;
}

Config Config::FromEnvironment() {
  return Load([](const char* name) -> const char* { return std::getenv(name); });
}

}  // namespace payments
