// Service configuration: every PAYMENTS_* environment variable, parsed and
// validated once at start-up. A Config is immutable after Load() and safe to
// share by const reference across threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/money.h"

namespace payments {

// Thrown by Config::Load with one line that names the variable and the
// problem, e.g. "PAYMENTS_WORKERS: must be an integer from 1 to 256, got 'x'".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DbConfig {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string socket;  // when set, used instead of host:port
  std::string name = "payments";
  std::string user = "root";
  std::string password;
};

// The payment cycle (`payments-fcgi cycle`, docs/payment-cycle.md).
struct CycleConfig {
  int interval_seconds = 60;                            // PAYMENT_INTERVAL_SECONDS
  Money increment = Money::FromUnits(100000000000000);  // 0.0001 ETH
  double default_health_timeout = 5.0;                  // seconds
  int health_concurrency = 16;
  int miss_threshold = 3;
  int cooldown_seconds = 3600;
  Money payout_threshold = Money::FromUnits(100000000000000000);  // 0.1 ETH
  bool dry_run = true;
  std::string eth_rpc_url;   // live mode: the signer's JSON-RPC endpoint
  std::string from_address;  // live mode: the paying account
  long long chain_id = 0;    // live mode
  double eth_rpc_timeout = 10.0;
  std::string bootstrap_json;     // PAYMENTS_BOOTSTRAP_ORCHESTRATORS
  std::string bootstrap_path;     // PAYMENTS_BOOTSTRAP_ORCHESTRATORS_PATH
  bool single_mode = false;       // PAYMENTS_SINGLE_ORCHESTRATOR_MODE
  std::string single_id;          // ORCHESTRATOR_ID
  std::string single_address;     // ORCHESTRATOR_ADDRESS
  std::string single_health_url;  // ORCHESTRATOR_HEALTH_URL
};

struct Config {
  // Database.
  DbConfig db;
  std::string migrations_dir;

  // Process model.
  std::string fcgi_listen;  // unix path or host:port
  int workers = 2;
  int threads = 4;
  std::size_t max_body_bytes = 1024 * 1024;
  std::string log_level = "info";

  // Access control.
  std::string admin_token;                        // empty: admin API disabled
  std::vector<std::string> viewer_tokens;         // empty: no viewers
  std::vector<std::string> manager_ip_allowlist;  // IPs or CIDRs

  // Registration rules.
  int registration_per_minute = 5;
  int registration_burst = 5;
  std::vector<std::string> address_denylist;   // lower-case addresses
  std::vector<std::string> top_orchestrators;  // lower-case addresses
  std::string top_orchestrators_path;

  // Files.
  std::string data_dir = "data";
  std::string audit_log_path;
  std::string ledger_journal_path;
  std::string license_audit_log_path;

  // Licensing.
  std::string secrets_key_b64;  // base64 of 32 bytes; validated by Load
  int license_lease_seconds = 900;

  // Payment cycle.
  CycleConfig cycle;

  // Reads every variable through `lookup` (returns nullptr when unset).
  // Throws ConfigError on the first bad value.
  static Config Load(const std::function<const char*(const char*)>& lookup);
  static Config FromEnvironment();
};

// Helpers shared by Load and its tests.
std::vector<std::string> SplitList(const std::string& text);  // comma/whitespace separated
std::string ToLower(std::string text);

}  // namespace payments
