#include "cycle/eth_rpc.h"

#include <json/value.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "cycle/http_client.h"
#include "http/errors.h"
#include "http/json.h"

namespace payments {
namespace {

constexpr std::size_t kMaxErrorBytes = 300;

__extension__ using Unsigned128 = unsigned __int128;

bool IsHexDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// "0x" followed by exactly `digits` hex digits.
bool IsHexOfLength(const std::string& text, std::size_t digits) {
  return text.size() == 2 + digits && text.compare(0, 2, "0x") == 0 &&
         IsHexDigits(std::string_view(text).substr(2));
}

// A JSON-RPC quantity: "0x" and at least one hex digit.
bool IsHexQuantity(const Json::Value& value) {
  if (!value.isString()) return false;
  const std::string text = value.asString();
  return text.size() > 2 && text.compare(0, 2, "0x") == 0 &&
         IsHexDigits(std::string_view(text).substr(2));
}

std::string ToHex(Unsigned128 value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string reversed;
  do {
    reversed.push_back(kDigits[static_cast<unsigned>(value & 0xfU)]);
    value >>= 4;
  } while (value != 0);
  return "0x" + std::string(reversed.rbegin(), reversed.rend());
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// At most kMaxErrorBytes bytes, cut on a UTF-8 boundary, control characters
// replaced, the signer URL removed.
std::string SafeError(std::string text, const std::string& url) {
  if (!url.empty()) {
    for (std::size_t pos = text.find(url); pos != std::string::npos; pos = text.find(url, pos)) {
      text.replace(pos, url.size(), "<signer>");
    }
  }
  for (char& c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  if (text.size() > kMaxErrorBytes) {
    std::size_t cut = kMaxErrorBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
    text.resize(cut);
  }
  return text;
}

// What one JSON-RPC call came to, before method-specific checks.
struct RpcReply {
  enum class Kind {
    kNotSent,   // the request never left
    kUnknown,   // the request may have been processed; the reply tells nothing
    kRpcError,  // a well-formed JSON-RPC error object
    kResult,    // a well-formed result for our id (result may be null)
  };
  Kind kind = Kind::kUnknown;
  Json::Value result;
  std::string error;
};

bool MatchesId(const Json::Value& id, std::int64_t expected) {
  return id.isIntegral() && id.isInt64() && id.asInt64() == expected;
}

RpcReply Call(const std::string& url, double timeout_seconds, std::int64_t id, const char* method,
              Json::Value params) {
  Json::Value request(Json::objectValue);
  request["jsonrpc"] = "2.0";
  request["id"] = Json::Int64{id};
  request["method"] = method;
  request["params"] = std::move(params);

  RpcReply reply;
  const HttpOutcome outcome = HttpPostJson(url, ToJson(request), timeout_seconds);
  switch (outcome.kind) {
    case HttpOutcome::Kind::kNotConnected:
      reply.kind = RpcReply::Kind::kNotSent;
      reply.error = SafeError("signer not reachable: " + outcome.error, url);
      return reply;
    case HttpOutcome::Kind::kTimedOut:
      reply.error = SafeError("signer timed out: " + outcome.error, url);
      return reply;
    case HttpOutcome::Kind::kFailed:
      reply.error = SafeError("signer transport error: " + outcome.error, url);
      return reply;
    case HttpOutcome::Kind::kOk:
      break;
  }

  const bool http_ok = outcome.status >= 200 && outcome.status < 300;
  const std::string http_error = "signer answered HTTP " + std::to_string(outcome.status);
  Json::Value body;
  try {
    body = ParseJsonObject(outcome.body);
  } catch (const ApiError&) {
    reply.error = http_ok ? "signer reply is not a JSON object" : http_error;
    return reply;
  }

  const Json::Value& error = body["error"];
  if (!error.isNull()) {
    if (error.isObject() && error["code"].isIntegral() && error["code"].isInt64() &&
        !body.isMember("result") && (body["id"].isNull() || MatchesId(body["id"], id))) {
      reply.kind = RpcReply::Kind::kRpcError;
      std::string text = "JSON-RPC error " + std::to_string(error["code"].asInt64());
      if (error["message"].isString()) text += ": " + error["message"].asString();
      reply.error = SafeError(std::move(text), url);
    } else {
      reply.error = http_ok ? "signer reply has a malformed error member" : http_error;
    }
    return reply;
  }
  if (!http_ok) {
    reply.error = http_error;
    return reply;
  }
  if (!MatchesId(body["id"], id)) {
    reply.error = "signer reply id does not match the request";
    return reply;
  }
  if (!body.isMember("result")) {
    reply.error = "signer reply has neither result nor error";
    return reply;
  }
  reply.kind = RpcReply::Kind::kResult;
  reply.result = body["result"];
  return reply;
}

// Why the arguments cannot be sent, or "" when they can.
std::string InvalidSendArguments(const std::string& from, const std::string& to, Money value,
                                 std::int64_t chain_id) {
  if (!IsHexOfLength(from, 40)) return "from address must be 0x followed by 40 hex digits";
  if (!IsHexOfLength(to, 40)) return "to address must be 0x followed by 40 hex digits";
  if (!value.IsPositive()) return "value must be positive";
  if (chain_id <= 0) return "chain id must be positive";
  return "";
}

}  // namespace

std::string WeiHex(Money amount) {
  if (!amount.IsPositive()) throw std::invalid_argument("amount must be positive");
  return ToHex(static_cast<Unsigned128>(amount.units()));
}

EthRpc::EthRpc(std::string url, double timeout_seconds)
    : url_(std::move(url)), timeout_seconds_(timeout_seconds) {}

SendResult EthRpc::SendTransaction(const std::string& from, const std::string& to, Money value,
                                   std::int64_t chain_id) {
  SendResult result;
  result.error = InvalidSendArguments(from, to, value, chain_id);
  if (!result.error.empty()) {
    result.kind = SendResult::Kind::kRejected;
    return result;
  }
  Json::Value tx(Json::objectValue);
  tx["from"] = from;
  tx["to"] = to;
  tx["value"] = WeiHex(value);
  tx["chainId"] = ToHex(static_cast<Unsigned128>(chain_id));
  Json::Value params(Json::arrayValue);
  params.append(tx);

  const RpcReply reply =
      Call(url_, timeout_seconds_, next_id_++, "eth_sendTransaction", std::move(params));
  switch (reply.kind) {
    case RpcReply::Kind::kNotSent:
      result.kind = SendResult::Kind::kNotSent;
      result.error = reply.error;
      return result;
    case RpcReply::Kind::kUnknown:
      result.kind = SendResult::Kind::kUnknown;
      result.error = reply.error;
      return result;
    case RpcReply::Kind::kRpcError:
      result.kind = SendResult::Kind::kRejected;
      result.error = reply.error;
      return result;
    case RpcReply::Kind::kResult:
      break;
  }
  if (!reply.result.isString() || !IsHexOfLength(reply.result.asString(), 64)) {
    result.kind = SendResult::Kind::kUnknown;
    result.error = "signer result is not a transaction hash";
    return result;
  }
  result.kind = SendResult::Kind::kSent;
  result.tx_hash = Lower(reply.result.asString());
  return result;
}

ReceiptResult EthRpc::GetTransactionReceipt(const std::string& tx_hash) {
  ReceiptResult result;
  if (!IsHexOfLength(tx_hash, 64)) {
    result.error = "transaction hash must be 0x followed by 64 hex digits";
    return result;
  }
  Json::Value params(Json::arrayValue);
  params.append(tx_hash);
  const RpcReply reply =
      Call(url_, timeout_seconds_, next_id_++, "eth_getTransactionReceipt", std::move(params));
  if (reply.kind != RpcReply::Kind::kResult) {
    result.error = reply.error;
    return result;
  }
  const Json::Value& receipt = reply.result;
  if (receipt.isNull()) {
    result.kind = ReceiptResult::Kind::kPending;
    return result;
  }
  if (!receipt.isObject()) {
    result.error = "receipt is not an object";
    return result;
  }
  const Json::Value& hash = receipt["transactionHash"];
  if (!hash.isNull() && (!hash.isString() || Lower(hash.asString()) != Lower(tx_hash))) {
    result.error = "receipt is for another transaction";
    return result;
  }
  const Json::Value& block = receipt["blockNumber"];
  if (block.isNull()) {
    result.kind = ReceiptResult::Kind::kPending;  // some nodes return unmined receipts
    return result;
  }
  if (!IsHexQuantity(block)) {
    result.error = "receipt blockNumber is not a hex quantity";
    return result;
  }
  const Json::Value& status = receipt["status"];
  if (!IsHexQuantity(status)) {
    result.error = "receipt has no status";
    return result;
  }
  const std::string digits = status.asString().substr(2);
  const bool zero = std::all_of(digits.begin(), digits.end(), [](char c) { return c == '0'; });
  const bool one = !zero && digits.back() == '1' &&
                   std::all_of(digits.begin(), digits.end() - 1, [](char c) { return c == '0'; });
  if (one) {
    result.kind = ReceiptResult::Kind::kSuccess;
  } else if (zero) {
    result.kind = ReceiptResult::Kind::kReverted;
  } else {
    result.error = "receipt status is neither 0x0 nor 0x1";
    return result;
  }
  result.block_number = Lower(block.asString());
  return result;
}

}  // namespace payments
