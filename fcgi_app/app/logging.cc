#include "app/logging.h"

#include <unistd.h>

#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/basic_sink_backend.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/trivial.hpp>
#include <boost/make_shared.hpp>
#include <string>

#include "domain/timestamp.h"

namespace payments {
namespace {

namespace logging = boost::log;

// Writes each record as one line with a single write(2) on stderr, so that
// lines from the worker processes sharing a log file never interleave, and
// stamps it with the pid of the process that wrote it (after fork()).
class StderrLineBackend
    : public logging::sinks::basic_sink_backend<logging::sinks::concurrent_feeding> {
 public:
  void consume(const logging::record_view& record) {
    std::string line = Timestamp::Now().ToIso();
    line += ' ';
    if (auto severity = logging::extract<logging::trivial::severity_level>("Severity", record)) {
      line += logging::trivial::to_string(*severity);
    }
    line += " pid=";
    line += std::to_string(::getpid());
    line += ' ';
    if (auto message = logging::extract<std::string>("Message", record)) line += *message;
    line += '\n';
    const char* data = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      const ssize_t n = ::write(STDERR_FILENO, data, left);
      if (n <= 0) return;
      data += n;
      left -= static_cast<std::size_t>(n);
    }
  }
};

}  // namespace

void InitLogging(const std::string& level) {
  using Sink = logging::sinks::synchronous_sink<StderrLineBackend>;
  logging::core::get()->remove_all_sinks();
  logging::core::get()->add_sink(boost::make_shared<Sink>());
  logging::trivial::severity_level min = logging::trivial::info;
  if (level == "debug") min = logging::trivial::debug;
  if (level == "warning") min = logging::trivial::warning;
  if (level == "error") min = logging::trivial::error;
  logging::core::get()->set_filter(logging::trivial::severity >= min);
}

}  // namespace payments
