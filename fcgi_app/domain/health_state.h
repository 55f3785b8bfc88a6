// Health state of an orchestrator: the miss count, cooldowns and the
// last-healthy time that the payment cycle and the cooldown routes change
// (docs/payment-cycle.md). Pure functions on an OrchestratorRecord; the
// caller stores the record (OrchestratorRepository::UpdateHealthState) in
// the transaction that read it FOR UPDATE.
#pragma once

#include <json/value.h>

#include <string>

#include "domain/timestamp.h"
#include "storage/orchestrator_repository.h"

namespace payments {

// Starts (or restarts) a cooldown of `seconds` from `now`: sets
// cooldown_expires_at and last_cooldown_started_at, resets the miss count.
void StartCooldown(OrchestratorRecord& record, Timestamp now, int seconds);

// Ends the cooldown: clears cooldown_expires_at, sets
// last_cooldown_cleared_at, resets the miss count. Returns false (and
// changes nothing) when there was no cooldown to clear.
bool ClearCooldown(OrchestratorRecord& record, Timestamp now);

// A cycle in which every monitored service was up: last_healthy_at = now,
// miss count reset.
void RecordHealthy(OrchestratorRecord& record, Timestamp now);

// A cycle in which some but not all services were up: the run of total
// outages is broken, so the miss count resets; nothing else changes.
void RecordPartial(OrchestratorRecord& record);

// A cycle in which every monitored service was down: sets
// last_missed_all_services. Outside a cooldown the miss count grows, and on
// reaching `threshold` a cooldown of `cooldown_seconds` starts — the return
// value says whether it did. During a cooldown misses are not counted.
bool RecordMiss(OrchestratorRecord& record, Timestamp now, int threshold, int cooldown_seconds);

// The audit line of `cooldown_started` / `cooldown_cleared`: event,
// orchestrator_id, address, actor ("cycle" or "admin"), reason, and the
// cooldown times after the change.
Json::Value CooldownAuditLine(const std::string& event, const OrchestratorRecord& record,
                              const std::string& actor, const std::string& reason);

}  // namespace payments
