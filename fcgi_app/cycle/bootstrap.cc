#include "cycle/bootstrap.h"

#include <json/reader.h>

#include <boost/log/trivial.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "app/services.h"
#include "domain/registration.h"
#include "http/errors.h"
#include "http/registration_input.h"

namespace payments {
namespace {

bool LooksLikeOneEntry(const Json::Value& object) {
  return object.isMember("orchestrator_id") || object.isMember("address");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The 422 entries of a validation error as "field: message; ...".
std::string Explain(const ApiError& error) {
  if (!error.detail().isArray()) return error.detail().asString();
  std::string out;
  for (const Json::Value& entry : error.detail()) {
    if (!out.empty()) out += "; ";
    const Json::Value& loc = entry["loc"];
    out += (loc.isArray() && !loc.empty() ? loc[loc.size() - 1].asString() : "body") + ": " +
           entry["msg"].asString();
  }
  return out;
}

const char* RefusalText(RegistrationOutcome::Kind kind) {
  switch (kind) {
    case RegistrationOutcome::Kind::kDenylisted:
      return "address is denylisted";
    case RegistrationOutcome::Kind::kAddressTaken:
      return "address is registered to another orchestrator";
    case RegistrationOutcome::Kind::kAddressChanged:
      return "orchestrator is registered with a different address";
    default:
      return "refused";
  }
}

void RegisterEntries(Db& db, const Services& services, const std::vector<Json::Value>& entries,
                     const std::string& origin, BootstrapReport& report) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string where = origin + " entry " + std::to_string(i + 1);
    if (!entries[i].isObject()) {
      BOOST_LOG_TRIVIAL(warning) << "bootstrap: " << where << " skipped: not a JSON object";
      ++report.invalid;
      continue;
    }
    RegistrationInput input;
    try {
      input = RegistrationFromJson(entries[i]);
    } catch (const ApiError& e) {
      BOOST_LOG_TRIVIAL(warning) << "bootstrap: " << where << " skipped: " << Explain(e);
      ++report.invalid;
      continue;
    }
    input.trusted = true;
    const RegistrationOutcome outcome = Register(db, services, input, Timestamp::Now());
    if (outcome.kind != RegistrationOutcome::Kind::kRegistered) {
      BOOST_LOG_TRIVIAL(warning) << "bootstrap: " << where << " (" << input.orchestrator_id
                                 << ") skipped: " << RefusalText(outcome.kind);
      ++report.invalid;
      continue;
    }
    ++report.registered;
  }
}

}  // namespace

std::vector<Json::Value> BootstrapEntries(const std::string& text) {
  Json::Value document;
  Json::CharReaderBuilder builder;
  Json::CharReaderBuilder::strictMode(&builder.settings_);
  builder.settings_["allowSpecialFloats"] = false;
  std::string errors;
  std::istringstream in(text);
  if (!Json::parseFromStream(builder, in, &document, &errors)) {
    throw std::invalid_argument("not valid JSON: " + errors.substr(0, errors.find('\n')));
  }
  std::vector<Json::Value> entries;
  if (document.isArray()) {
    for (const Json::Value& entry : document) entries.push_back(entry);
  } else if (document.isObject() && LooksLikeOneEntry(document)) {
    entries.push_back(document);
  } else if (document.isObject()) {
    for (const std::string& key : document.getMemberNames()) {
      Json::Value entry = document[key];
      if (entry.isObject() && !entry.isMember("orchestrator_id")) entry["orchestrator_id"] = key;
      entries.push_back(entry);
    }
  } else {
    throw std::invalid_argument("must be a list of objects, an object of objects or one object");
  }
  return entries;
}

BootstrapReport RunBootstrap(Db& db, const Services& services) {
  const CycleConfig& config = services.config.cycle;
  BootstrapReport report;
  if (!config.bootstrap_json.empty()) {
    std::vector<Json::Value> entries;
    try {
      entries = BootstrapEntries(config.bootstrap_json);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("PAYMENTS_BOOTSTRAP_ORCHESTRATORS: ") + e.what());
    }
    RegisterEntries(db, services, entries, "PAYMENTS_BOOTSTRAP_ORCHESTRATORS", report);
  }
  if (!config.bootstrap_path.empty()) {
    std::vector<Json::Value> entries;
    try {
      entries = BootstrapEntries(ReadFile(config.bootstrap_path));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("PAYMENTS_BOOTSTRAP_ORCHESTRATORS_PATH: ") +
                                  e.what());
    }
    RegisterEntries(db, services, entries, config.bootstrap_path, report);
  }
  if (config.single_mode) {
    Json::Value entry(Json::objectValue);
    entry["orchestrator_id"] = config.single_id;
    entry["address"] = config.single_address;
    if (!config.single_health_url.empty()) entry["health_url"] = config.single_health_url;
    RegisterEntries(db, services, {entry}, "single-orchestrator mode", report);
  }
  return report;
}

}  // namespace payments
