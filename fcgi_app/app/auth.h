// The role filter in front of every route (API.md, "Who may call what").
#pragma once

#include "http/router.h"

namespace payments {

// Admits the caller or throws ApiError: 503 when the role is disabled by
// configuration, 401 when the credentials are missing or wrong. Token
// comparisons are constant-time and do not stop at the first match.
void AuthorizeRole(Role role, RequestContext& context);

}  // namespace payments
