// Services: the process-wide, thread-safe objects every handler may use —
// configuration, the three audit files, and the top-orchestrator set.
// Built once in main() and shared by const reference.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "audit/audit_log.h"
#include "config/config.h"

namespace payments {

// The top-orchestrator set of API.md: PAYMENTS_TOP_ORCHESTRATORS plus the
// file PAYMENTS_TOP_ORCHESTRATORS_PATH (one address a line, '#' comments),
// re-read whenever the file's modification time changes. Thread-safe.
class TopOrchestrators {
 public:
  explicit TopOrchestrators(const Config& config);

  // nullopt when no set is configured (every address passes); otherwise
  // whether the lower-cased `address_key` is in the set. A configured file
  // that does not exist counts as not configured (logged once per change).
  std::optional<bool> Contains(const std::string& address_key) const;

 private:
  void Reload() const;  // with mutex_ held

  std::set<std::string> inline_;
  std::string path_;
  mutable std::mutex mutex_;
  mutable std::set<std::string> from_file_;
  mutable bool file_present_ = false;
  mutable long long file_mtime_ns_ = -1;
};

struct Services {
  explicit Services(const Config& config);

  const Config& config;
  AuditLog registry_audit;
  AuditLog ledger_journal;
  AuditLog license_audit;
  TopOrchestrators top_orchestrators;
};

// Whether `ip` is in a list of IPs and CIDRs (v4 and v6).
bool IpInList(const std::string& ip, const std::vector<std::string>& list);

}  // namespace payments
