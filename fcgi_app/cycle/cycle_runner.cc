#include "cycle/cycle_runner.h"

#include <cppconn/driver.h>
#include <signal.h>

#include <atomic>
#include <boost/log/trivial.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include "app/services.h"
#include "cycle/bootstrap.h"
#include "cycle/eth_rpc.h"
#include "cycle/payment_cycle.h"
#include "cycle/payouts.h"
#include "storage/db.h"

namespace payments {
namespace {

constexpr int kHistoryDays = 30;
constexpr std::chrono::seconds kRetryAfterError(2);
constexpr std::chrono::milliseconds kTick(100);

std::atomic<bool> g_stop{false};

void OnStopSignal(int /*signal*/) { g_stop.store(true); }

void InstallSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

// Sleeps until `deadline` or a stop signal, whichever comes first.
void SleepUntil(std::chrono::system_clock::time_point deadline) {
  while (!g_stop.load() && std::chrono::system_clock::now() < deadline) {
    std::this_thread::sleep_for(kTick);
  }
}

std::chrono::system_clock::time_point ToTimePoint(Timestamp t) {
  return std::chrono::system_clock::time_point(std::chrono::microseconds(t.micros()));
}

// One interval's work; throws on database failure (the caller retries).
void RunInterval(Db& db, const Services& services, EthRpc* rpc, Timestamp interval_start) {
  PaymentCycle cycle(db, services, &g_stop);
  const auto started = std::chrono::steady_clock::now();
  const int cleared = cycle.ClearExpiredCooldowns(Timestamp::Now());
  const CycleStats s = cycle.Evaluate(interval_start);
  const PayoutStats p = PayoutProcessor(db, services, rpc).Run(interval_start);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  BOOST_LOG_TRIVIAL(info) << "cycle " << interval_start.ToIso() << ": " << s.orchestrators
                          << " orchestrators: " << s.credited << " credited, " << s.healthy
                          << " healthy not credited, " << s.partial << " partial, " << s.missed
                          << " missed, " << s.unknown << " unknown, " << s.skipped
                          << " already done; cooldowns " << s.cooldowns_started << " started, "
                          << cleared << " cleared; payouts " << p.simulated << " simulated, "
                          << p.created << " created, " << p.sent << " sent, " << p.confirmed
                          << " confirmed, " << p.failed << " failed, " << p.unknown << " unknown; "
                          << ms << " ms";
}

}  // namespace

int RunCycleProcess(const Config& config, bool once) {
  InstallSignalHandlers();
  const CycleConfig& cycle = config.cycle;
  const Services services(config);
  sql::Driver* driver = get_driver_instance();
  Db db(driver, config.db);

  try {
    const BootstrapReport boot = RunBootstrap(db, services);
    if (boot.registered + boot.invalid > 0) {
      BOOST_LOG_TRIVIAL(info) << "bootstrap: " << boot.registered << " registered, " << boot.invalid
                              << " skipped";
    }
  } catch (const std::invalid_argument& e) {
    BOOST_LOG_TRIVIAL(error) << "bootstrap: " << e.what();
    return 2;
  }

  std::unique_ptr<EthRpc> rpc;
  if (!cycle.dry_run) rpc = std::make_unique<EthRpc>(cycle.eth_rpc_url, cycle.eth_rpc_timeout);
  BOOST_LOG_TRIVIAL(info) << "payment cycle: every " << cycle.interval_seconds << " s, credit "
                          << cycle.increment.ToString() << " ETH, payouts from "
                          << cycle.payout_threshold.ToString() << " ETH, "
                          << (cycle.dry_run ? "dry run (no transactions sent)"
                                            : "LIVE (chain " + std::to_string(cycle.chain_id) + ")")
                          << (cycle.single_mode ? ", single orchestrator " + cycle.single_id : "");

  std::optional<Timestamp> done;
  int last_prune_day = -1;
  while (!g_stop.load()) {
    const Timestamp interval = IntervalStart(Timestamp::Now(), cycle.interval_seconds);
    if (!done || !(*done == interval)) {
      try {
        RunInterval(db, services, rpc.get(), interval);
        if (g_stop.load()) break;  // stopped mid-interval: not done
        done = interval;
        const int day = static_cast<int>(interval.micros() / 86400000000LL);
        if (day != last_prune_day) {
          const int pruned = PaymentCycle(db, services).PruneHistory(interval, kHistoryDays);
          if (pruned > 0) BOOST_LOG_TRIVIAL(info) << "pruned " << pruned << " cycle_runs rows";
          last_prune_day = day;
        }
      } catch (const std::exception& e) {
        // Database down or a transaction that kept failing: what committed
        // stays committed, the rest of the interval is retried.
        BOOST_LOG_TRIVIAL(error) << "cycle " << interval.ToIso() << " interrupted: " << e.what()
                                 << (once ? "" : "; retrying");
        if (once) return 1;
        db.Reset();
        SleepUntil(std::chrono::system_clock::now() + kRetryAfterError);
        continue;
      }
      if (once) break;
    }
    SleepUntil(ToTimePoint(interval.PlusSeconds(cycle.interval_seconds)));
  }
  BOOST_LOG_TRIVIAL(info) << "payment cycle stopped";
  return 0;
}

}  // namespace payments
