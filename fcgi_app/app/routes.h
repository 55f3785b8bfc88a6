// The route table: every path, method and role of API.md in one place.
#pragma once

#include <vector>

#include "http/router.h"

namespace payments {

std::vector<Route> ApiRoutes();

}  // namespace payments
