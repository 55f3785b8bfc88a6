// EthRpc: the two Ethereum JSON-RPC 2.0 calls the payment cycle makes, sent
// with HttpPostJson to a signer (Web3Signer, or a node holding the key).
// This process never holds a private key: the signer signs and broadcasts.
//
// Results are values whose kinds say what the caller may do next. Above
// all, SendResult separates "definitely not sent" (kRejected, kNotSent: safe
// to try again) from "may have been sent" (kUnknown: reconcile on chain
// before anything else; never blindly resend a payment).
//
// Error texts carry the JSON-RPC error code and message (sanitised, at most
// 300 bytes) or the transport error, never the signer URL.
//
// Thread safety: an EthRpc is safe to use from several threads at once (its
// only mutable state is an atomic request id); WeiHex is a pure function.

#ifndef FCGI_APP_CYCLE_ETH_RPC_H_
#define FCGI_APP_CYCLE_ETH_RPC_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "domain/money.h"

namespace payments {

// "0x"-prefixed lower-case hex of amount.units() (1 unit = 1 wei), without
// leading zeros: 1 unit -> "0x1", 1 ETH -> "0xde0b6b3a7640000".
// Throws std::invalid_argument if amount is not positive.
std::string WeiHex(Money amount);

struct SendResult {
  enum class Kind {
    kSent,      // result is a 0x + 64-hex tx hash (tx_hash holds it, lower-case)
    kRejected,  // the node answered with a JSON-RPC error object, or the arguments
                // were invalid and nothing was sent: definitely not sent
    kNotSent,   // transport never reached the node (HttpOutcome::kNotConnected)
    kUnknown,   // timeout after connecting, HTTP non-2xx without a JSON-RPC error,
                // unparseable reply, result not a valid hash: MAY have been sent
  };
  Kind kind = Kind::kUnknown;
  std::string tx_hash;  // when kSent
  std::string error;    // when not kSent
};

struct ReceiptResult {
  enum class Kind {
    kPending,   // result null, or a receipt without a block yet (not mined)
    kSuccess,   // receipt status "0x1"
    kReverted,  // receipt status "0x0"
    kError,     // transport/RPC error or malformed reply; try later
  };
  Kind kind = Kind::kError;
  std::string error;         // when kError
  std::string block_number;  // hex quantity, when kSuccess or kReverted
};

class EthRpc {
 public:
  // url: the signer's JSON-RPC endpoint (http or https). timeout_seconds:
  // the whole-call timeout of every request.
  EthRpc(std::string url, double timeout_seconds);

  EthRpc(const EthRpc&) = delete;
  EthRpc& operator=(const EthRpc&) = delete;

  // eth_sendTransaction with params
  //   [{"from": from, "to": to, "value": WeiHex(value), "chainId": "0x<hex>"}]
  // (the signer fills in nonce, gas and fees). from and to must be 0x + 40
  // hex digits, value positive and chain_id positive; otherwise the result
  // is kRejected (with the reason) and nothing is sent. A JSON-RPC error
  // object gives kRejected whatever the HTTP status; a result needs a 2xx
  // status and a matching id to give kSent. Never throws except
  // std::bad_alloc.
  SendResult SendTransaction(const std::string& from, const std::string& to, Money value,
                             std::int64_t chain_id);

  // eth_getTransactionReceipt with params [tx_hash]. A tx_hash that is not
  // 0x + 64 hex digits gives kError without a request.
  ReceiptResult GetTransactionReceipt(const std::string& tx_hash);

 private:
  const std::string url_;
  const double timeout_seconds_;
  std::atomic<std::int64_t> next_id_{1};
};

}  // namespace payments

#endif  // FCGI_APP_CYCLE_ETH_RPC_H_
