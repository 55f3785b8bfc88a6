#include "http/registration_input.h"

#include <regex>

#include "http/fields.h"

namespace payments {
namespace {

constexpr std::size_t kMaxMonitoredServices = 25;
constexpr std::size_t kMaxServiceNameLength = 256;

}  // namespace

RegistrationInput RegistrationFromJson(const Json::Value& body) {
  FieldReader fields(body);
  RegistrationInput input;
  input.orchestrator_id = fields.String("orchestrator_id", true, {1, 128}).value_or("");
  if (auto address = fields.String("address", true, {0, 0})) {
    static const std::regex kAddress("^0x[a-fA-F0-9]{40}$");
    if (std::regex_match(*address, kAddress)) {
      input.address = *address;
    } else {
      fields.AddError("address", "String should match pattern '^0x[a-fA-F0-9]{40}$'",
                      "string_pattern_mismatch");
    }
  }
  input.capability = fields.String("capability", false, {0, 128});
  if (auto email = fields.String("contact_email", false, {0, 255})) {
    const std::string trimmed = TrimSpace(*email);
    if (!trimmed.empty()) {
      const auto at = trimmed.find('@');
      if (at == std::string::npos || at == 0 || trimmed.back() == '@') {
        fields.AddError("contact_email",
                        "Value error, contact_email must contain '@' between a local part and a "
                        "domain",
                        "value_error");
      } else {
        input.contact_email = trimmed;
      }
    }
  }
  input.host_public_ip = fields.String("host_public_ip", false, {0, 64});
  input.host_name = fields.String("host_name", false, {0, 128});
  input.services_healthy = fields.Bool("services_healthy");
  input.health_url = fields.String("health_url", false, {0, 512});
  input.health_timeout = fields.Number("health_timeout", 0.1, 60);
  input.monitored_services =
      fields.StringList("monitored_services", kMaxMonitoredServices, kMaxServiceNameLength);
  input.min_service_uptime = fields.Number("min_service_uptime", 0, 100);
  fields.Finish();
  return input;
}

}  // namespace payments
