#include "app/logging.h"

#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/support/date_time.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/setup/common_attributes.hpp>
#include <boost/log/utility/setup/console.hpp>
#include <iostream>

namespace payments {

void InitLogging(const std::string& level) {
  namespace logging = boost::log;
  namespace expr = boost::log::expressions;
  logging::add_common_attributes();
  logging::add_console_log(
      std::clog, logging::keywords::auto_flush = true,
      logging::keywords::format =
          (expr::stream << expr::format_date_time<boost::posix_time::ptime>(
                               "TimeStamp", "%Y-%m-%dT%H:%M:%S.%f")
                        << " " << logging::trivial::severity << " pid="
                        << expr::attr<logging::attributes::current_process_id::value_type>(
                               "ProcessID")
                        << " " << expr::smessage));
  logging::trivial::severity_level min = logging::trivial::info;
  if (level == "debug") min = logging::trivial::debug;
  if (level == "warning") min = logging::trivial::warning;
  if (level == "error") min = logging::trivial::error;
  logging::core::get()->set_filter(logging::trivial::severity >= min);
}

}  // namespace payments
