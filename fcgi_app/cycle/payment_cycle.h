// PaymentCycle: one interval of the payment cycle (docs/payment-cycle.md).
// For every registered orchestrator it reads health — the report the
// orchestrator pushed within the last two intervals, else its health_url —
// and, in one transaction per orchestrator, credits, counts a miss (and
// starts a cooldown), or records why it did neither. The row written to
// cycle_runs in that transaction is keyed by orchestrator and interval
// start, so an orchestrator is evaluated once per interval however many
// cycle processes run and however often they restart.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "domain/timestamp.h"
#include "storage/db.h"

namespace payments {

struct Services;

struct CycleStats {
  int orchestrators = 0;  // considered this interval
  int credited = 0;
  int healthy = 0;  // all up, not credited (ineligible, cooldown, ...)
  int partial = 0;
  int missed = 0;
  int unknown = 0;  // no usable health: neither credit nor miss
  int skipped = 0;  // already evaluated in this interval (by any process)
  int cooldowns_started = 0;
};

// The start of the interval containing `now`: intervals are aligned to the
// Unix epoch, so every cycle process agrees on them.
Timestamp IntervalStart(Timestamp now, int interval_seconds);

class PaymentCycle {
 public:
  // `stop`, when given, is checked between orchestrators: once it is set,
  // Evaluate returns early (the rest of the interval is left for the next
  // process or restart, which will find it not yet done).
  PaymentCycle(Db& db, const Services& services, const std::atomic<bool>* stop = nullptr);

  // Evaluates every orchestrator (only ORCHESTRATOR_ID in single mode) for
  // the interval that starts at `interval_start`.
  CycleStats Evaluate(Timestamp interval_start);

  // Ends every cooldown whose expiry has passed (`cooldown_cleared`, actor
  // "cycle"); returns how many.
  int ClearExpiredCooldowns(Timestamp now);

  // Deletes cycle_runs rows older than `keep_days`; returns how many.
  int PruneHistory(Timestamp now, int keep_days);

 private:
  Db& db_;
  const Services& services_;
  const std::atomic<bool>* stop_;
};

}  // namespace payments
