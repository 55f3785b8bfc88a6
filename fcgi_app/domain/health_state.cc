#include "domain/health_state.h"

#include "domain/registration.h"
#include "http/json.h"

namespace payments {
namespace {

void RefreshEligibility(OrchestratorRecord& record, Timestamp now) {
  record.eligible_for_payments = IsEligible(record, now);
}

}  // namespace

void StartCooldown(OrchestratorRecord& record, Timestamp now, int seconds) {
  record.cooldown_expires_at = now.PlusSeconds(seconds).ToIso();
  record.last_cooldown_started_at = now.ToIso();
  record.consecutive_misses = 0;
  RefreshEligibility(record, now);
}

bool ClearCooldown(OrchestratorRecord& record, Timestamp now) {
  if (!record.cooldown_expires_at) return false;
  record.cooldown_expires_at.reset();
  record.last_cooldown_cleared_at = now.ToIso();
  record.consecutive_misses = 0;
  RefreshEligibility(record, now);
  return true;
}

void RecordHealthy(OrchestratorRecord& record, Timestamp now) {
  record.last_healthy_at = now.ToIso();
  record.consecutive_misses = 0;
}

void RecordPartial(OrchestratorRecord& record) { record.consecutive_misses = 0; }

bool RecordMiss(OrchestratorRecord& record, Timestamp now, int threshold, int cooldown_seconds) {
  record.last_missed_all_services = now.ToIso();
  if (record.CooldownActive(now)) return false;
  record.consecutive_misses += 1;
  if (record.consecutive_misses < threshold) return false;
  StartCooldown(record, now, cooldown_seconds);
  return true;
}

Json::Value CooldownAuditLine(const std::string& event, const OrchestratorRecord& record,
                              const std::string& actor, const std::string& reason) {
  Json::Value line(Json::objectValue);
  line["event"] = event;
  line["orchestrator_id"] = record.orchestrator_id;
  line["address"] = record.address;
  line["actor"] = actor;
  line["reason"] = reason;
  line["cooldown_expires_at"] = JsonOrNull(record.cooldown_expires_at);
  line["last_cooldown_started_at"] = JsonOrNull(record.last_cooldown_started_at);
  line["last_cooldown_cleared_at"] = JsonOrNull(record.last_cooldown_cleared_at);
  return line;
}

}  // namespace payments
