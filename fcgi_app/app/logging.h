// Operational logging through Boost.Log: one line per event on stderr with
// time, severity and process id. Audit trails are not logs; see audit/.
#pragma once

#include <string>

namespace payments {

// Installs the stderr sink and the minimum severity ("debug", "info",
// "warning", "error"). Call once per process, before threads start.
void InitLogging(const std::string& level);

}  // namespace payments
