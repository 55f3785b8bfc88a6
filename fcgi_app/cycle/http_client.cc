#include "cycle/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace payments {
namespace {

constexpr char kUserAgent[] = "payments-cycle/1";
constexpr long kMaxConnectTimeoutMs = 5000;
constexpr double kMaxTimeoutSeconds = 86400;
constexpr std::size_t kMaxErrorBytes = 300;

// curl_global_init is not thread-safe; everything here funnels through this.
bool CurlReady() {
  static std::once_flag once;
  static bool ready = false;
  std::call_once(once, [] { ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ready;
}

struct EasyCleanup {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyCleanup>;

struct MultiCleanup {
  void operator()(CURLM* handle) const { curl_multi_cleanup(handle); }
};
using MultiHandle = std::unique_ptr<CURLM, MultiCleanup>;

struct SlistCleanup {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistCleanup>;

// Replaces every occurrence of `secret` in *text.
void Redact(std::string* text, const std::string& secret) {
  if (secret.empty()) return;
  for (std::size_t pos = text->find(secret); pos != std::string::npos;
       pos = text->find(secret, pos)) {
    text->replace(pos, secret.size(), "<redacted>");
    pos += sizeof("<redacted>") - 1;
  }
}

// curl's message without the URL's query string, fragment or user info.
std::string SafeMessage(std::string message, const std::string& url) {
  const std::size_t query = url.find_first_of("?#");
  if (query != std::string::npos) Redact(&message, url.substr(query + 1));
  const std::size_t scheme_end = url.find("://");
  if (scheme_end != std::string::npos) {
    const std::size_t authority = scheme_end + 3;
    const std::size_t authority_end = url.find_first_of("/?#", authority);
    const std::size_t at =
        url.rfind('@', authority_end == std::string::npos ? std::string::npos : authority_end);
    if (at != std::string::npos && at >= authority) {
      Redact(&message, url.substr(authority, at - authority));
    }
  }
  if (message.size() > kMaxErrorBytes) message.resize(kMaxErrorBytes);
  return message;
}

// One transfer: the handle and everything its callbacks and options point
// to. Never moved once configured (held by unique_ptr).
struct Transfer {
  std::size_t index = 0;  // position in FetchAll's input
  EasyHandle handle;
  HeaderList headers;
  std::string url;
  std::string post_body;
  std::size_t max_body_bytes = 0;
  std::string body;
  bool over_cap = false;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

std::size_t WriteBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (n > transfer->max_body_bytes - transfer->body.size()) {
    transfer->over_cap = true;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  transfer->body.append(data, n);
  return n;
}

HttpOutcome NotConnected(std::string error) {
  HttpOutcome outcome;
  outcome.kind = HttpOutcome::Kind::kNotConnected;
  outcome.error = std::move(error);
  return outcome;
}

// Creates and configures a transfer. On failure returns null and sets
// *outcome (nothing was sent).
std::unique_ptr<Transfer> MakeTransfer(const std::string& url, double timeout_seconds,
                                       std::size_t max_body_bytes, const std::string* post_body,
                                       HttpOutcome* outcome) {
  if (!(timeout_seconds > 0 && timeout_seconds <= kMaxTimeoutSeconds)) {
    *outcome = NotConnected("invalid timeout");
    return nullptr;
  }
  if (!CurlReady()) {
    *outcome = NotConnected("libcurl initialisation failed");
    return nullptr;
  }
  auto transfer = std::make_unique<Transfer>();
  transfer->handle.reset(curl_easy_init());
  if (!transfer->handle) {
    *outcome = NotConnected("curl_easy_init failed");
    return nullptr;
  }
  transfer->url = url;
  transfer->max_body_bytes = max_body_bytes;
  CURL* h = transfer->handle.get();
  const long timeout_ms = static_cast<long>(std::ceil(timeout_seconds * 1000));
  const long connect_ms = std::min(timeout_ms, kMaxConnectTimeoutMs);

  HeaderList headers;
  const auto append_header = [&headers](const char* header) {
    curl_slist* grown = curl_slist_append(headers.get(), header);
    if (grown == nullptr) return false;
    (void)headers.release();  // now owned by `grown`
    headers.reset(grown);
    return true;
  };
  bool ok = true;
  if (post_body != nullptr) {
    transfer->post_body = *post_body;
    ok = append_header("Content-Type: application/json") &&
         append_header("Accept: application/json") && append_header("Expect:");
  }
  transfer->headers = std::move(headers);

  const auto set = [&ok](CURLcode code) { ok = ok && code == CURLE_OK; };
  set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, transfer->error_buffer));
  set(curl_easy_setopt(h, CURLOPT_URL, transfer->url.c_str()));
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
  set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
#else
  set(curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS)));
#endif
  set(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(h, CURLOPT_PROXY, ""));
  set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L));
  set(curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L));
  set(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms));
  set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms));
  set(curl_easy_setopt(h, CURLOPT_USERAGENT, kUserAgent));
  set(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody));
  set(curl_easy_setopt(h, CURLOPT_WRITEDATA, transfer.get()));
  set(curl_easy_setopt(h, CURLOPT_PRIVATE, transfer.get()));
  if (post_body != nullptr) {
    set(curl_easy_setopt(h, CURLOPT_POST, 1L));
    set(curl_easy_setopt(h, CURLOPT_POSTFIELDS, transfer->post_body.c_str()));
    set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(transfer->post_body.size())));
    set(curl_easy_setopt(h, CURLOPT_HTTPHEADER, transfer->headers.get()));
  }
  if (!ok) {
    *outcome = NotConnected("curl set-up failed");
    return nullptr;
  }
  return transfer;
}

// Whether a connection to the server was established (so the request may
// have reached it). Checks every sign curl records, erring towards "yes".
bool Connected(CURL* h) {
  curl_off_t connect_us = 0;
  curl_off_t pretransfer_us = 0;
  long request_bytes = 0;
  const bool connect_known = curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_us) == CURLE_OK;
  const bool pretransfer_known =
      curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us) == CURLE_OK;
  const bool request_known =
      curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_bytes) == CURLE_OK;
  if (!connect_known && !pretransfer_known && !request_known) return true;
  return connect_us > 0 || pretransfer_us > 0 || request_bytes > 0;
}

HttpOutcome Finish(Transfer& transfer, CURLcode code) {
  HttpOutcome outcome;
  CURL* h = transfer.handle.get();
  if (code == CURLE_OK) {
    outcome.kind = HttpOutcome::Kind::kOk;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &outcome.status);
    outcome.body = std::move(transfer.body);
    return outcome;
  }
  if (transfer.over_cap) {
    outcome.kind = HttpOutcome::Kind::kFailed;
    outcome.error = "response body exceeds " + std::to_string(transfer.max_body_bytes) + " bytes";
    return outcome;
  }
  std::string message = transfer.error_buffer[0] != '\0' ? std::string(transfer.error_buffer)
                                                         : std::string(curl_easy_strerror(code));
  outcome.error = SafeMessage(std::move(message), transfer.url);
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      // Curl also reports some bad replies with these codes (an HTTP/0.9
      // answer is CURLE_UNSUPPORTED_PROTOCOL): only a transfer that never
      // connected is "not connected".
      outcome.kind = Connected(h) ? HttpOutcome::Kind::kFailed : HttpOutcome::Kind::kNotConnected;
      break;
    case CURLE_OPERATION_TIMEDOUT:
      outcome.kind = Connected(h) ? HttpOutcome::Kind::kTimedOut : HttpOutcome::Kind::kNotConnected;
      break;
    default:
      outcome.kind = HttpOutcome::Kind::kFailed;
      break;
  }
  return outcome;
}

HttpOutcome Perform(const std::string& url, double timeout_seconds, std::size_t max_body_bytes,
                    const std::string* post_body) {
  HttpOutcome outcome;
  std::unique_ptr<Transfer> transfer =
      MakeTransfer(url, timeout_seconds, max_body_bytes, post_body, &outcome);
  if (!transfer) return outcome;
  const CURLcode code = curl_easy_perform(transfer->handle.get());
  return Finish(*transfer, code);
}

}  // namespace

HttpOutcome HttpGet(const std::string& url, double timeout_seconds, std::size_t max_body_bytes) {
  return Perform(url, timeout_seconds, max_body_bytes, nullptr);
}

HttpOutcome HttpPostJson(const std::string& url, const std::string& body, double timeout_seconds,
                         std::size_t max_body_bytes) {
  return Perform(url, timeout_seconds, max_body_bytes, &body);
}

std::vector<HttpOutcome> FetchAll(const std::vector<HttpFetch>& fetches, int concurrency,
                                  std::size_t max_body_bytes) {
  std::vector<HttpOutcome> outcomes(fetches.size());
  if (fetches.empty()) return outcomes;
  const std::size_t limit = static_cast<std::size_t>(std::max(concurrency, 1));
  if (!CurlReady()) {
    std::fill(outcomes.begin(), outcomes.end(), NotConnected("libcurl initialisation failed"));
    return outcomes;
  }
  MultiHandle multi(curl_multi_init());
  if (!multi) {
    std::fill(outcomes.begin(), outcomes.end(), NotConnected("curl_multi_init failed"));
    return outcomes;
  }

  // transfers[i] is live while fetch i is in flight.
  std::vector<std::unique_ptr<Transfer>> transfers(fetches.size());
  std::size_t next = 0;
  std::size_t in_flight = 0;
  const auto start_more = [&] {
    while (next < fetches.size() && in_flight < limit) {
      const std::size_t i = next++;
      transfers[i] = MakeTransfer(fetches[i].url, fetches[i].timeout_seconds, max_body_bytes,
                                  nullptr, &outcomes[i]);
      if (!transfers[i]) continue;
      transfers[i]->index = i;
      if (curl_multi_add_handle(multi.get(), transfers[i]->handle.get()) != CURLM_OK) {
        outcomes[i] = NotConnected("curl_multi_add_handle failed");
        transfers[i].reset();
        continue;
      }
      ++in_flight;
    }
  };

  start_more();
  while (in_flight > 0) {
    int running = 0;
    if (curl_multi_perform(multi.get(), &running) != CURLM_OK) break;
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* h = msg->easy_handle;
      const CURLcode code = msg->data.result;
      Transfer* done = nullptr;
      curl_easy_getinfo(h, CURLINFO_PRIVATE, &done);
      curl_multi_remove_handle(multi.get(), h);
      --in_flight;
      if (done != nullptr) {
        const std::size_t index = done->index;
        outcomes[index] = Finish(*done, code);
        transfers[index].reset();
      }
    }
    start_more();
    if (in_flight > 0 && curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr) != CURLM_OK) {
      break;
    }
  }
  // Only reached with transfers left after a multi-interface failure.
  for (std::size_t i = 0; i < transfers.size(); ++i) {
    if (!transfers[i]) continue;
    curl_multi_remove_handle(multi.get(), transfers[i]->handle.get());
    outcomes[i].kind = HttpOutcome::Kind::kFailed;
    outcomes[i].error = "curl multi interface failed";
    transfers[i].reset();
  }
  return outcomes;
}

}  // namespace payments
