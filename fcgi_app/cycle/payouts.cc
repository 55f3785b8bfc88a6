#include "cycle/payouts.h"

#include <boost/log/trivial.hpp>

#include "app/services.h"
#include "domain/ledger.h"
#include "storage/ledger_repository.h"
#include "storage/orchestrator_repository.h"

namespace payments {
namespace {

constexpr int kBatch = 1000;
// A claimed send with no answer recorded after this long (beyond the RPC
// timeout) belongs to a process that died mid-send.
constexpr double kStaleSendMarginSeconds = 60;

std::string Truncated(std::string text) {
  constexpr std::size_t kMax = 500;
  if (text.size() > kMax) text.resize(kMax);
  return text;
}

}  // namespace

ResolveOutcome ResolveUnknownPayout(Db& db, long long id, const PayoutResolution& resolution,
                                    Timestamp now, PayoutRecord* payout) {
  ResolveOutcome outcome = ResolveOutcome::kNotFound;
  db.Transaction([&] {
    PayoutRepository payouts(db);
    std::optional<PayoutRecord> found = payouts.FindForUpdate(id);
    if (!found) {
      outcome = ResolveOutcome::kNotFound;
      return;
    }
    *payout = *found;
    if (found->status != "unknown") {
      outcome = ResolveOutcome::kNotUnknown;
      return;
    }
    const std::string note = resolution.note.empty() ? "" : ": " + resolution.note;
    if (resolution.sent) {
      payout->status = "sent";
      payout->tx_hash = resolution.tx_hash;
      payout->sent_at = now.ToIso();
      payout->error = Truncated("resolved by an admin as sent" + note);
    } else {
      payout->status = "failed";
      payout->finished_at = now.ToIso();
      payout->error = Truncated("resolved by an admin as not sent" + note);
    }
    payouts.Update(*payout, now);
    outcome = ResolveOutcome::kResolved;
  });
  return outcome;
}

PayoutProcessor::PayoutProcessor(Db& db, const Services& services, EthRpc* rpc)
    : db_(db), services_(services), rpc_(rpc) {}

PayoutStats PayoutProcessor::Run(Timestamp interval_start) {
  PayoutStats stats;
  if (!services_.config.cycle.dry_run) Resume(stats);
  CreateDue(interval_start, stats);
  return stats;
}

void PayoutProcessor::Resume(PayoutStats& stats) {
  const CycleConfig& config = services_.config.cycle;
  std::vector<PayoutRecord> pending;
  std::vector<PayoutRecord> sent;
  db_.Read([&] {
    PayoutRepository payouts(db_);
    pending = payouts.ListByStatus("pending", kBatch);
    sent = payouts.ListByStatus("sent", kBatch);
  });
  const Timestamp now = Timestamp::Now();
  const Timestamp stale_before =
      now.PlusSeconds(-(config.eth_rpc_timeout + kStaleSendMarginSeconds));
  for (const PayoutRecord& p : pending) {
    if (!p.send_started_at) {
      Send(p.id, stats);  // recorded, never attempted: safe to send
      continue;
    }
    const auto started = Timestamp::ParseIso(*p.send_started_at);
    if (!started || !(*started < stale_before)) continue;  // another process is sending it
    bool marked = false;
    db_.Transaction([&] {
      marked = false;
      PayoutRepository payouts(db_);
      std::optional<PayoutRecord> current = payouts.FindForUpdate(p.id);
      if (!current || current->status != "pending" ||
          current->send_started_at != p.send_started_at) {
        return;
      }
      current->status = "unknown";
      current->error =
          "the cycle stopped while sending; the signer may have sent it: check the "
          "transactions of PAYMENT_FROM_ADDRESS, then POST /api/payouts/{id}/resolve";
      payouts.Update(*current, Timestamp::Now());
      marked = true;
    });
    if (marked) {
      ++stats.unknown;
      BOOST_LOG_TRIVIAL(error) << "payout " << p.id << " to " << p.orchestrator_id
                               << ": outcome unknown (a cycle stopped mid-send); not retried";
    }
  }
  for (const PayoutRecord& p : sent) Poll(p, stats);
}

void PayoutProcessor::Send(long long payout_id, PayoutStats& stats) {
  const CycleConfig& config = services_.config.cycle;
  std::optional<PayoutRecord> payout;
  db_.Transaction([&] {
    payout.reset();
    PayoutRepository payouts(db_);
    if (!payouts.ClaimForSend(payout_id, Timestamp::Now())) return;
    payout = payouts.FindForUpdate(payout_id);
  });
  if (!payout) return;  // another process claimed it

  const SendResult result = rpc_->SendTransaction(config.from_address, payout->to_address,
                                                  payout->amount, config.chain_id);
  const Timestamp now = Timestamp::Now();
  switch (result.kind) {
    case SendResult::Kind::kSent:
      payout->status = "sent";
      payout->tx_hash = result.tx_hash;
      payout->sent_at = now.ToIso();
      payout->error.reset();
      ++stats.sent;
      BOOST_LOG_TRIVIAL(info) << "payout " << payout->id << " to " << payout->orchestrator_id
                              << ": sent " << payout->amount.ToString() << " ETH, tx "
                              << result.tx_hash;
      break;
    case SendResult::Kind::kRejected:
      payout->status = "failed";
      payout->error = Truncated("the signer refused the transaction: " + result.error);
      payout->finished_at = now.ToIso();
      ++stats.failed;
      BOOST_LOG_TRIVIAL(error) << "payout " << payout->id << " to " << payout->orchestrator_id
                               << ": refused: " << result.error;
      break;
    case SendResult::Kind::kNotSent:
      // Never reached the signer: unclaim it, the next cycle tries again.
      payout->send_started_at.reset();
      payout->error = Truncated("signer unreachable, will retry: " + result.error);
      BOOST_LOG_TRIVIAL(warning) << "payout " << payout->id
                                 << ": signer unreachable: " << result.error;
      break;
    case SendResult::Kind::kUnknown:
      payout->status = "unknown";
      payout->error = Truncated("the send may have reached the signer (" + result.error +
                                "); not retried: check the transactions of PAYMENT_FROM_ADDRESS, "
                                "then POST /api/payouts/{id}/resolve");
      ++stats.unknown;
      BOOST_LOG_TRIVIAL(error) << "payout " << payout->id << " to " << payout->orchestrator_id
                               << ": outcome unknown: " << result.error;
      break;
  }
  db_.Transaction([&] { PayoutRepository(db_).Update(*payout, now); });
}

void PayoutProcessor::Poll(const PayoutRecord& sent, PayoutStats& stats) {
  if (!sent.tx_hash) return;
  const ReceiptResult receipt = rpc_->GetTransactionReceipt(*sent.tx_hash);
  if (receipt.kind == ReceiptResult::Kind::kPending) return;
  if (receipt.kind == ReceiptResult::Kind::kError) {
    BOOST_LOG_TRIVIAL(warning) << "payout " << sent.id
                               << ": receipt query failed: " << receipt.error;
    return;
  }
  std::optional<LedgerEvent> debit;
  std::string outcome;
  db_.Transaction([&] {
    debit.reset();
    outcome.clear();
    const Timestamp now = Timestamp::Now();
    PayoutRepository payouts(db_);
    std::optional<PayoutRecord> payout = payouts.FindForUpdate(sent.id);
    if (!payout || payout->status != "sent") return;  // another process finished it
    payout->finished_at = now.ToIso();
    if (receipt.kind == ReceiptResult::Kind::kReverted) {
      payout->status = "failed";
      payout->error = "the transaction reverted (receipt status 0x0); nothing was paid";
    } else {
      payout->status = "confirmed";
      LedgerRepository ledger(db_);
      Money amount = payout->amount;
      const Money balance = ledger.LockBalance(payout->orchestrator_id).value_or(Money());
      Json::Value metadata(Json::objectValue);
      metadata["payout_id"] = static_cast<Json::Int64>(payout->id);
      metadata["tx_hash"] = *payout->tx_hash;
      metadata["to_address"] = payout->to_address;
      if (balance < amount) {
        // Only an admin debit between send and confirmation can do this:
        // the chain paid `amount`, the ledger can only go down to zero.
        Money shortfall;
        (void)amount.CheckedSub(balance, &shortfall);
        metadata["shortfall_eth"] = shortfall.ToString();
        payout->error = "the balance was " + shortfall.ToString() +
                        " ETH short of the paid amount at confirmation";
        amount = balance;
      }
      if (amount.IsPositive()) {
        LedgerEvent event;
        if (ApplyBalanceChange(ledger, payout->orchestrator_id, amount.Negated(), amount, "payout",
                               std::string("payout"), metadata, now,
                               &event) != LedgerChange::kApplied) {
          throw std::runtime_error("payout debit failed for payout " + std::to_string(payout->id));
        }
        payout->ledger_event_id = event.id;
        debit = event;
      }
    }
    payouts.Update(*payout, now);
    outcome = payout->status;
  });
  if (debit) MirrorToJournal(services_, *debit);
  if (outcome == "confirmed") {
    ++stats.confirmed;
    BOOST_LOG_TRIVIAL(info) << "payout " << sent.id << " to " << sent.orchestrator_id
                            << ": confirmed, ledger debited";
  } else if (outcome == "failed") {
    ++stats.failed;
    BOOST_LOG_TRIVIAL(error) << "payout " << sent.id << " to " << sent.orchestrator_id
                             << ": transaction reverted";
  }
}

void PayoutProcessor::CreateDue(Timestamp interval_start, PayoutStats& stats) {
  const CycleConfig& config = services_.config.cycle;
  std::vector<std::string> due;
  db_.Read([&] {
    due = PayoutRepository(db_).DueForPayout(config.payout_threshold, config.dry_run, kBatch);
  });
  for (const std::string& id : due) {
    if (config.single_mode && id != config.single_id) continue;
    long long created = 0;
    db_.Transaction([&] {
      created = 0;
      const Timestamp now = Timestamp::Now();
      const std::optional<Money> balance = LedgerRepository(db_).LockBalance(id);
      if (!balance) return;
      // Live: the whole balance. Dry run: what live mode would pay now, i.e.
      // the balance less what earlier simulated payouts already covered.
      Money amount = *balance;
      if (config.dry_run &&
          !balance->CheckedSub(PayoutRepository(db_).SimulatedTotal(id), &amount)) {
        return;
      }
      if (amount < config.payout_threshold) return;
      const std::optional<OrchestratorRecord> record = OrchestratorRepository(db_).Find(id);
      if (!record || record->denylisted) return;  // a denylisted balance is held
      PayoutRecord payout;
      payout.orchestrator_id = id;
      payout.to_address = record->address;
      payout.amount = amount;
      payout.interval_start = interval_start;
      if (config.dry_run) {
        payout.mode = "dry_run";
        payout.status = "simulated";
        payout.finished_at = now.ToIso();  // nothing follows a simulation
      } else {
        payout.mode = "live";
        payout.status = "pending";
        payout.from_address = config.from_address;
        payout.chain_id = config.chain_id;
      }
      created = PayoutRepository(db_).Insert(payout, now);
    });
    if (created == 0) continue;
    if (config.dry_run) {
      ++stats.simulated;
      BOOST_LOG_TRIVIAL(info) << "payout " << created << " to " << id
                              << ": simulated (PAYMENT_DRY_RUN); balance left alone";
    } else {
      ++stats.created;
      Send(created, stats);
    }
  }
}

}  // namespace payments
