// The `payments-fcgi cycle` process: bootstrap, then one pass of the payment
// cycle per PAYMENT_INTERVAL_SECONDS — clear expired cooldowns, evaluate
// every orchestrator, carry on with payouts — until SIGTERM or SIGINT.
// Several cycle processes (on one host or many) may run against one
// database: each interval's work is done once (docs/payment-cycle.md).
#pragma once

#include "config/config.h"

namespace payments {

// Runs until signalled (or, with `once`, for one interval). Returns the
// process exit status: 0 after a clean stop, 2 for a bad bootstrap
// document, 1 when a `once` run failed (a long-running cycle retries).
int RunCycleProcess(const Config& config, bool once);

}  // namespace payments
