#include "cycle/payment_cycle.h"

#include <boost/log/trivial.hpp>
#include <unordered_map>
#include <vector>

#include "app/services.h"
#include "cycle/health_report.h"
#include "cycle/http_client.h"
#include "domain/health_state.h"
#include "domain/ledger.h"
#include "domain/registration.h"
#include "storage/cycle_repository.h"
#include "storage/ledger_repository.h"
#include "storage/orchestrator_repository.h"

namespace payments {
namespace {

constexpr int kPruneBatch = 10000;

// What the cycle knows about one orchestrator's health this interval.
struct HealthInput {
  std::optional<HealthReport> report;
  std::string source;      // "push" or "url"; empty when there is none
  std::string problem;     // why there is no usable report
  bool no_source = false;  // neither a health_url nor a recent pushed report
};

// The result of one orchestrator's transaction, for the caller to act on
// after commit.
struct Evaluation {
  bool skipped = false;
  std::string outcome;
  std::string detail;
  std::optional<LedgerEvent> credit;
  std::optional<Json::Value> cooldown_audit;
};

std::string Describe(const HttpOutcome& fetched) {
  switch (fetched.kind) {
    case HttpOutcome::Kind::kOk:
      return "health_url answered HTTP " + std::to_string(fetched.status);
    case HttpOutcome::Kind::kNotConnected:
      return "health_url unreachable: " + fetched.error;
    case HttpOutcome::Kind::kTimedOut:
      return "health_url timed out: " + fetched.error;
    case HttpOutcome::Kind::kFailed:
      break;
  }
  return "health_url failed: " + fetched.error;
}

HealthInput FromText(const std::string& text, const std::string& source) {
  HealthInput input;
  std::string error;
  input.report = ParseHealthReportText(text, &error);
  if (input.report) {
    input.source = source;
  } else {
    input.problem =
        (source == "push" ? "pushed report malformed: " : "health body malformed: ") + error;
  }
  return input;
}

// Why an all-up orchestrator is not credited, or empty when it is eligible.
std::string CreditRefusal(const OrchestratorRecord& record, const HealthReport& report,
                          Timestamp now) {
  if (record.denylisted) return "denylisted";
  if (record.CooldownActive(now)) return "in cooldown";
  if (!record.is_top_100) return "not in the top orchestrator set";
  if (!report.eligible_for_payment) return "report says not eligible for payment";
  return {};
}

}  // namespace

Timestamp IntervalStart(Timestamp now, int interval_seconds) {
  const int64_t length = static_cast<int64_t>(interval_seconds) * 1000000;
  return Timestamp::FromMicros(now.micros() - now.micros() % length);
}

PaymentCycle::PaymentCycle(Db& db, const Services& services, const std::atomic<bool>* stop)
    : db_(db), services_(services), stop_(stop) {}

CycleStats PaymentCycle::Evaluate(Timestamp interval_start) {
  const CycleConfig& config = services_.config.cycle;
  const Timestamp started = Timestamp::Now();
  std::vector<OrchestratorRecord> records;
  std::set<std::string> done;
  std::unordered_map<std::string, StoredHealthReport> pushed;
  db_.Read([&] {
    records = OrchestratorRepository(db_).List();
    done = CycleRunRepository(db_).EvaluatedIn(interval_start);
    pushed = HealthReportRepository(db_).ReceivedSince(
        started.PlusSeconds(-2.0 * config.interval_seconds));
  });

  CycleStats stats;
  std::vector<const OrchestratorRecord*> todo;
  for (const OrchestratorRecord& r : records) {
    if (config.single_mode && r.orchestrator_id != config.single_id) continue;
    ++stats.orchestrators;
    if (done.count(r.orchestrator_id) != 0) {
      ++stats.skipped;
      continue;
    }
    todo.push_back(&r);
  }

  // Health: a recent pushed report wins; otherwise fetch health_url, all
  // fetches in parallel (at most PAYMENTS_HEALTH_CONCURRENCY at a time).
  std::vector<HealthInput> inputs(todo.size());
  std::vector<HttpFetch> fetches;
  std::vector<std::size_t> fetch_owner;
  for (std::size_t i = 0; i < todo.size(); ++i) {
    const OrchestratorRecord& r = *todo[i];
    if (auto it = pushed.find(r.orchestrator_id); it != pushed.end()) {
      inputs[i] = FromText(it->second.body, "push");
    } else if (r.health_url && !r.health_url->empty()) {
      fetches.push_back({*r.health_url, r.health_timeout.value_or(config.default_health_timeout)});
      fetch_owner.push_back(i);
    } else {
      inputs[i].problem = "no health_url and no report pushed in the last two intervals";
      inputs[i].no_source = true;
    }
  }
  const std::vector<HttpOutcome> fetched = FetchAll(fetches, config.health_concurrency);
  for (std::size_t k = 0; k < fetched.size(); ++k) {
    HealthInput& input = inputs[fetch_owner[k]];
    if (fetched[k].kind == HttpOutcome::Kind::kOk && fetched[k].status == 200) {
      input = FromText(fetched[k].body, "url");
    } else {
      input.problem = Describe(fetched[k]);
    }
  }

  for (std::size_t i = 0; i < todo.size(); ++i) {
    if (stop_ != nullptr && stop_->load()) break;
    const std::string& id = todo[i]->orchestrator_id;
    const HealthInput& input = inputs[i];
    const Timestamp now = Timestamp::Now();
    Evaluation result;
    db_.Transaction([&] {
      result = Evaluation{};
      OrchestratorRepository orchestrators(db_);
      CycleRunRepository runs(db_);
      std::optional<OrchestratorRecord> record = orchestrators.FindForUpdate(id);
      if (!record || runs.Exists(id, interval_start)) {
        result.skipped = true;
        return;
      }
      CycleRun run;
      run.orchestrator_id = id;
      run.interval_start = interval_start;
      std::optional<HealthAssessment> health;
      if (input.report) {
        health =
            AssessHealth(*input.report, record->monitored_services, record->min_service_uptime);
        run.source = input.source;
        run.services_up = health->services_up;
        run.total_services = health->total_services;
      }
      if (!health || health->verdict == HealthVerdict::kNoServices) {
        run.outcome = "unknown";
        run.detail = health ? "the report lists no services" : input.problem;
      } else if (health->verdict == HealthVerdict::kAllUp) {
        RecordHealthy(*record, now);
        const std::string refusal = CreditRefusal(*record, *input.report, now);
        run.outcome = "healthy";
        if (!refusal.empty()) {
          run.detail = "not credited: " + refusal;
        } else {
          LedgerRepository ledger(db_);
          Json::Value metadata(Json::objectValue);
          metadata["services_up"] = health->services_up;
          metadata["total_services"] = health->total_services;
          metadata["interval_start"] = interval_start.ToIso();
          metadata["source"] = input.source;
          LedgerEvent event;
          const LedgerChange change =
              ApplyBalanceChange(ledger, id, config.increment, config.increment, "credit",
                                 std::string("cycle"), metadata, now, &event);
          if (change == LedgerChange::kApplied) {
            run.outcome = "credited";
            run.ledger_event_id = event.id;
            result.credit = event;
          } else {
            run.detail = "not credited: the balance is at its maximum";
          }
        }
      } else if (health->verdict == HealthVerdict::kPartial) {
        RecordPartial(*record);
        run.outcome = "partial";
      } else {
        run.outcome = "missed";
        if (RecordMiss(*record, now, config.miss_threshold, config.cooldown_seconds)) {
          result.cooldown_audit = CooldownAuditLine(
              "cooldown_started", *record, "cycle",
              std::to_string(config.miss_threshold) + " cycles in a row with every service down");
        }
      }
      record->eligible_for_payments = IsEligible(*record, now);
      orchestrators.UpdateHealthState(*record);
      runs.Insert(run, now);
      result.outcome = run.outcome;
      result.detail = run.detail.value_or("");
    });
    if (result.skipped) {
      ++stats.skipped;
      continue;
    }
    if (result.outcome == "unknown") {
      // Unreachable or malformed health is worth a warning; an orchestrator
      // with no health source at all is only noted.
      BOOST_LOG_SEV(boost::log::trivial::logger::get(),
                    input.no_source ? boost::log::trivial::info : boost::log::trivial::warning)
          << "cycle: " << id << ": neither credit nor miss: " << result.detail;
    }
    if (result.credit) MirrorToJournal(services_, *result.credit);
    if (result.cooldown_audit) {
      services_.registry_audit.Append(*result.cooldown_audit);
      ++stats.cooldowns_started;
      BOOST_LOG_TRIVIAL(warning) << "cycle: " << id << ": cooldown started";
    }
    if (result.outcome == "credited") ++stats.credited;
    if (result.outcome == "healthy") ++stats.healthy;
    if (result.outcome == "partial") ++stats.partial;
    if (result.outcome == "missed") ++stats.missed;
    if (result.outcome == "unknown") ++stats.unknown;
  }
  return stats;
}

int PaymentCycle::ClearExpiredCooldowns(Timestamp now) {
  std::vector<std::string> ids;
  db_.Read([&] { ids = OrchestratorRepository(db_).ExpiredCooldowns(now); });
  int cleared = 0;
  for (const std::string& id : ids) {
    std::optional<Json::Value> audit;
    db_.Transaction([&] {
      audit.reset();
      OrchestratorRepository orchestrators(db_);
      std::optional<OrchestratorRecord> record = orchestrators.FindForUpdate(id);
      // Another process (or an admin) may have cleared or extended it.
      if (!record || !record->cooldown_expires_at || record->CooldownActive(now)) return;
      ClearCooldown(*record, now);
      orchestrators.UpdateHealthState(*record);
      audit = CooldownAuditLine("cooldown_cleared", *record, "cycle", "expired");
    });
    if (audit) {
      services_.registry_audit.Append(*audit);
      ++cleared;
    }
  }
  return cleared;
}

int PaymentCycle::PruneHistory(Timestamp now, int keep_days) {
  const Timestamp before = now.PlusSeconds(-86400.0 * keep_days);
  int total = 0;
  int deleted = 0;
  do {
    db_.Transaction([&] { deleted = CycleRunRepository(db_).Prune(before, kPruneBatch); });
    total += deleted;
  } while (deleted == kPruneBatch);
  return total;
}

}  // namespace payments
