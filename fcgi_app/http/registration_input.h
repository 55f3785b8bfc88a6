// The body of POST /api/orchestrators/register (API.md), validated: shared
// by the register route and by the payment cycle's bootstrap, which reads
// the same objects from PAYMENTS_BOOTSTRAP_ORCHESTRATORS.
#pragma once

#include <json/value.h>

#include "domain/registration.h"

namespace payments {

// Reads every field of a registration object; throws ApiError (422, one
// entry per bad field) when any is invalid. client_ip is left empty.
RegistrationInput RegistrationFromJson(const Json::Value& body);

}  // namespace payments
