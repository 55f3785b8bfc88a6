// Payouts of the payment cycle (docs/payment-cycle.md, "Payouts").
//
// Dry run (PAYMENT_DRY_RUN=true, the default): records what live mode
// would pay, as `simulated` payouts, and leaves the balance alone. A
// simulated payout covers the balance not yet covered by earlier ones, and
// is made when that reaches PAYMENT_PAYOUT_THRESHOLD_ETH (at most one per
// orchestrator per interval).
//
// Live: the payout record is committed as `pending` before anything is
// sent; one process claims it (send_started_at) and sends
// eth_sendTransaction through the signer at ETH_RPC_URL. The answer moves
// it to `sent` (with its tx hash), `failed` (the signer refused: nothing was
// sent), back to unclaimed `pending` (the signer was never reached), or
// `unknown` (the send may have happened: never retried automatically). A
// `sent` payout is polled with eth_getTransactionReceipt until it is
// `confirmed` — when, in one transaction, the ledger is debited by exactly
// the paid amount (journal event `payout`) — or `failed`. An orchestrator
// has at most one open (pending, sent or unknown) payout, so nothing is paid
// twice, and a restarted cycle carries on with what it finds.
#pragma once

#include <memory>

#include "cycle/eth_rpc.h"
#include "domain/timestamp.h"
#include "storage/cycle_repository.h"
#include "storage/db.h"

namespace payments {

struct Services;

struct PayoutStats {
  int simulated = 0;
  int created = 0;  // live payouts recorded as pending
  int sent = 0;
  int confirmed = 0;
  int failed = 0;
  int unknown = 0;
};

// An operator's answer for an `unknown` payout (POST
// /api/payouts/{id}/resolve), after checking the chain: it was sent (with
// this tx hash; the cycle then polls its receipt and debits on
// confirmation) or it was not (failed; the orchestrator's open slot is
// freed).
struct PayoutResolution {
  bool sent = false;
  std::string tx_hash;  // when sent: 0x + 64 hex
  std::string note;     // kept in the payout's error text
};

enum class ResolveOutcome { kResolved, kNotFound, kNotUnknown };

// Applies `resolution` to payout `id` in one transaction; *payout holds the
// record after the change (or as found, for kNotUnknown).
ResolveOutcome ResolveUnknownPayout(Db& db, long long id, const PayoutResolution& resolution,
                                    Timestamp now, PayoutRecord* payout);

class PayoutProcessor {
 public:
  // `rpc` is required in live mode and ignored in dry-run mode.
  PayoutProcessor(Db& db, const Services& services, EthRpc* rpc);

  // Carries on with open payouts, then records new ones for balances at or
  // above the threshold.
  PayoutStats Run(Timestamp interval_start);

 private:
  void Resume(PayoutStats& stats);
  void Send(long long payout_id, PayoutStats& stats);
  void Poll(const PayoutRecord& payout, PayoutStats& stats);
  void CreateDue(Timestamp interval_start, PayoutStats& stats);

  Db& db_;
  const Services& services_;
  EthRpc* rpc_;
};

}  // namespace payments
