#include "domain/registration.h"

#include <algorithm>

#include "app/services.h"

namespace payments {
namespace {

bool Denylisted(const Config& config, const std::string& address_key) {
  return std::find(config.address_denylist.begin(), config.address_denylist.end(), address_key) !=
         config.address_denylist.end();
}

template <typename T>
void Merge(std::optional<T>& stored, const std::optional<T>& given) {
  if (given) stored = given;
}

void ApplyInput(OrchestratorRecord& record, const RegistrationInput& input, Timestamp now) {
  record.address = input.address;
  Merge(record.capability, input.capability);
  Merge(record.contact_email, input.contact_email);
  Merge(record.host_public_ip, input.host_public_ip);
  Merge(record.host_name, input.host_name);
  Merge(record.health_url, input.health_url);
  Merge(record.health_timeout, input.health_timeout);
  Merge(record.monitored_services, input.monitored_services);
  Merge(record.min_service_uptime, input.min_service_uptime);
  record.registration_count += 1;
  record.last_seen = now.ToIso();
  record.last_seen_ip = input.client_ip;
  if (input.services_healthy.value_or(false)) record.last_healthy_at = now.ToIso();
}

Json::Value AuditBase(const char* event, const RegistrationInput& input) {
  Json::Value line(Json::objectValue);
  line["event"] = event;
  line["orchestrator_id"] = input.orchestrator_id;
  line["address"] = input.address;
  line["request_ip"] = input.client_ip;
  if (input.trusted) line["source"] = "bootstrap";
  return line;
}

}  // namespace

bool IsEligible(const OrchestratorRecord& record, Timestamp now) {
  return !record.denylisted && !record.CooldownActive(now) && record.is_top_100;
}

RegistrationOutcome Register(Db& db, const Services& services, const RegistrationInput& input,
                             Timestamp now) {
  const Config& config = services.config;
  const std::string address_key = ToLower(input.address);
  RegistrationOutcome outcome;
  db.Transaction([&] {
    outcome = RegistrationOutcome{};
    RateLimitRepository limits(db);
    if (!input.trusted &&
        !limits.Acquire({"id:" + input.orchestrator_id, "ip:" + input.client_ip}, now,
                        {{60, config.registration_per_minute}, {10, config.registration_burst}})) {
      outcome.kind = RegistrationOutcome::Kind::kRateLimited;
      return;
    }
    OrchestratorRepository orchestrators(db);
    if (Denylisted(config, address_key)) {
      outcome.kind = RegistrationOutcome::Kind::kDenylisted;
      outcome.flagged_id = orchestrators.MarkDenylisted(address_key);
      return;
    }
    const std::optional<bool> top = services.top_orchestrators.Contains(address_key);
    if (!input.trusted && top.has_value() && !*top) {
      outcome.kind = RegistrationOutcome::Kind::kNotTop;
      return;
    }
    std::optional<OrchestratorRecord> existing = orchestrators.FindForUpdate(input.orchestrator_id);
    const std::optional<std::string> holder = orchestrators.IdByAddressForUpdate(address_key);
    if (holder && *holder != input.orchestrator_id) {
      outcome.kind = RegistrationOutcome::Kind::kAddressTaken;
      return;
    }
    if (existing && existing->address_key != address_key) {
      outcome.kind = RegistrationOutcome::Kind::kAddressChanged;
      return;
    }
    OrchestratorRecord record;
    if (existing) {
      record = std::move(*existing);
    } else {
      record.orchestrator_id = input.orchestrator_id;
      record.first_seen = now.ToIso();
    }
    record.address_key = address_key;
    ApplyInput(record, input, now);
    record.denylisted = false;
    record.is_top_100 = true;  // no set configured, or the address is in it
    record.eligible_for_payments = IsEligible(record, now);
    if (existing) {
      orchestrators.Update(record);
    } else {
      orchestrators.Insert(record);
    }
    outcome.created = !existing.has_value();
    outcome.record = std::move(record);
  });

  switch (outcome.kind) {
    case RegistrationOutcome::Kind::kRegistered: {
      Json::Value line = AuditBase("register", input);
      line["created"] = outcome.created;
      line["registration_count"] = outcome.record.registration_count;
      services.registry_audit.Append(line);
      break;
    }
    case RegistrationOutcome::Kind::kDenylisted: {
      Json::Value line = AuditBase("register_denied", input);
      line["reason"] = "denylisted";
      if (outcome.flagged_id) line["flagged_orchestrator_id"] = *outcome.flagged_id;
      services.registry_audit.Append(line);
      break;
    }
    case RegistrationOutcome::Kind::kNotTop: {
      Json::Value line = AuditBase("register_denied", input);
      line["reason"] = "not_top_orchestrator";
      services.registry_audit.Append(line);
      break;
    }
    default:
      break;
  }
  return outcome;
}

}  // namespace payments
