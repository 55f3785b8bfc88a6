// A small, locked-down HTTP client on libcurl for the payment cycle: health
// polls of orchestrators (HttpGet, FetchAll) and JSON-RPC calls to a signer
// (HttpPostJson).
//
// Every transfer is restricted to http and https, follows no redirects,
// ignores proxy settings in the environment (http_proxy and friends), opens a
// fresh connection (no reuse between transfers), sends no Accept-Encoding
// (so the body cap applies to the bytes on the wire) and identifies itself as
// "payments-cycle/1". The connect phase is limited to min(timeout, 5 s) and
// the whole transfer to the timeout. A response body over the cap aborts the
// transfer. Failures are values (HttpOutcome::Kind), never exceptions; the
// kinds are sorted by what the caller may conclude about the request having
// reached the server.
//
// Thread safety: all functions are thread-safe. libcurl's global set-up runs
// once (std::call_once) on first use; transfers use no signals
// (CURLOPT_NOSIGNAL) and share no handles.

#ifndef FCGI_APP_CYCLE_HTTP_CLIENT_H_
#define FCGI_APP_CYCLE_HTTP_CLIENT_H_

#include <cstddef>
#include <string>
#include <vector>

namespace payments {

struct HttpFetch {
  std::string url;
  double timeout_seconds;
};

struct HttpOutcome {
  enum class Kind {
    kOk,            // got an HTTP response (any status)
    kNotConnected,  // the request never left: DNS failure, connection refused,
                    // bad URL/scheme, invalid timeout, local set-up failure
    kTimedOut,      // timed out after connecting (outcome at the server unknown)
    kFailed,        // any other transport error, or body over the cap
  };
  Kind kind = Kind::kFailed;
  long status = 0;  // HTTP status when kind == kOk, else 0
  std::string body;
  std::string error;  // curl's message (no query string or credentials), empty when kOk
};

// Default body caps.
inline constexpr std::size_t kDefaultGetBodyCap = 65536;
inline constexpr std::size_t kDefaultPostBodyCap = std::size_t{1} << 20;

// GETs `url`. timeout_seconds must be positive and finite (otherwise the
// outcome is kNotConnected and nothing is sent). On kOk, status and body hold
// the response whatever its status code; a body longer than max_body_bytes
// gives kFailed with an empty body.
HttpOutcome HttpGet(const std::string& url, double timeout_seconds,
                    std::size_t max_body_bytes = kDefaultGetBodyCap);

// POSTs `body` with Content-Type: application/json (and no
// "Expect: 100-continue"). Outcomes as for HttpGet.
HttpOutcome HttpPostJson(const std::string& url, const std::string& body, double timeout_seconds,
                         std::size_t max_body_bytes = kDefaultPostBodyCap);

// GETs every fetch with at most `concurrency` transfers in flight (libcurl's
// multi interface on the calling thread; a concurrency below 1 counts as 1).
// Returns one outcome per fetch, in input order. Blocks until every transfer
// has finished, i.e. at most about the largest timeout times
// ceil(fetches / concurrency).
std::vector<HttpOutcome> FetchAll(const std::vector<HttpFetch>& fetches, int concurrency,
                                  std::size_t max_body_bytes = kDefaultGetBodyCap);

}  // namespace payments

#endif  // FCGI_APP_CYCLE_HTTP_CLIENT_H_
