// Registration: the rules of POST /api/orchestrators/register (API.md), in
// the order API.md lists them — rate limit, denylist, top set, address
// conflicts, create-or-refresh — run in one transaction. Pure of HTTP: the
// outcome says what happened and the handler shapes the answer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/timestamp.h"
#include "storage/orchestrator_repository.h"

namespace payments {

struct Services;

// A validated request. Optional fields that are nullopt leave the stored
// value alone.
struct RegistrationInput {
  std::string orchestrator_id;
  std::string address;
  std::optional<std::string> capability;
  std::optional<std::string> contact_email;
  std::optional<std::string> host_public_ip;
  std::optional<std::string> host_name;
  std::optional<bool> services_healthy;
  std::optional<std::string> health_url;
  std::optional<double> health_timeout;
  std::optional<std::vector<std::string>> monitored_services;
  std::optional<double> min_service_uptime;
  std::string client_ip;
  // Set by the payment cycle's bootstrap (operator configuration, not a
  // client): no rate limit and no top-set check. The denylist and the
  // address rules still apply.
  bool trusted = false;
};

struct RegistrationOutcome {
  enum class Kind {
    kRegistered,      // created or refreshed: `record`, `created`
    kRateLimited,     // 429
    kDenylisted,      // 403; `flagged_id` is the existing record flagged, if any
    kNotTop,          // 403
    kAddressTaken,    // 409: another orchestrator_id holds the address
    kAddressChanged,  // 409: this orchestrator_id holds another address
  };
  Kind kind = Kind::kRegistered;
  bool created = false;
  OrchestratorRecord record;
  std::optional<std::string> flagged_id;
};

// Runs the registration and writes its audit line (`register` or
// `register_denied`) after the transaction commits. Throws DbError when the
// database fails.
RegistrationOutcome Register(Db& db, const Services& services, const RegistrationInput& input,
                             Timestamp now);

// Eligibility rule of API.md: not denylisted, not in cooldown, in the top set.
bool IsEligible(const OrchestratorRecord& record, Timestamp now);

}  // namespace payments
