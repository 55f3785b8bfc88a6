// Bootstrap of the payment cycle: orchestrators the operator lists in
// PAYMENTS_BOOTSTRAP_ORCHESTRATORS (inline JSON) and the file
// PAYMENTS_BOOTSTRAP_ORCHESTRATORS_PATH, or the one orchestrator of
// single-orchestrator mode, registered when the cycle starts. Each entry is
// a registration body (API.md); the rate limit and the top-set check are
// skipped, the denylist and the address rules are not. Invalid entries are
// logged and skipped.
#pragma once

#include <json/value.h>

#include <string>
#include <vector>

#include "storage/db.h"

namespace payments {

struct Services;

// The entries of one bootstrap document: a JSON list of objects, an object
// of objects (the key is the orchestrator_id when an entry has none), or one
// object (it has an "orchestrator_id" or "address" member). Throws
// std::invalid_argument when the text is not JSON of one of those shapes.
// Entries that are not objects are kept, to be reported as invalid.
std::vector<Json::Value> BootstrapEntries(const std::string& text);

struct BootstrapReport {
  int registered = 0;
  int invalid = 0;  // logged and skipped
};

// Registers every configured entry. Throws std::invalid_argument when the
// inline JSON or the file cannot be read as a bootstrap document.
BootstrapReport RunBootstrap(Db& db, const Services& services);

}  // namespace payments
