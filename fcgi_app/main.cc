// payments-fcgi: the FastCGI worker pool of the payments backend.
//
//   payments-fcgi [serve]   migrate, then pre-fork PAYMENTS_WORKERS workers
//   payments-fcgi worker    one worker process, no supervisor
//   payments-fcgi migrate   apply pending migrations and exit
//   payments-fcgi cycle [--once]   migrate, then run the payment cycle
//       (docs/payment-cycle.md); --once: one interval, then exit
//   payments-fcgi check-config   validate the environment and exit
//   payments-fcgi rotate-secrets-key   re-encrypt every image secret from
//       PAYMENTS_SECRETS_KEY to PAYMENTS_NEW_SECRETS_KEY in one transaction
#include <cppconn/driver.h>

#include <boost/log/trivial.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "app/auth.h"
#include "app/logging.h"
#include "app/routes.h"
#include "app/services.h"
#include "config/config.h"
#include "cycle/cycle_runner.h"
#include "domain/licensing.h"
#include "storage/db.h"
#include "storage/migrations.h"
#include "transport/fcgi_server.h"

namespace payments {
namespace {

constexpr int kDatabaseWaitSeconds = 60;

int Migrate(const Config& config) {
  sql::Driver* driver = get_driver_instance();
  Db db(driver, config.db);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(kDatabaseWaitSeconds);
  while (!db.Ping()) {
    if (std::chrono::steady_clock::now() > deadline) {
      BOOST_LOG_TRIVIAL(error) << "database not reachable after " << kDatabaseWaitSeconds << " s";
      return 1;
    }
    BOOST_LOG_TRIVIAL(info) << "waiting for the database";
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  const int applied = ApplyMigrations(db, config.migrations_dir);
  BOOST_LOG_TRIVIAL(info) << "schema at version " << SchemaVersion(db) << " (" << applied
                          << " migrations applied)";
  return 0;
}

// Re-encrypts the image secrets under a new key (docs/licensing.md, "Key
// rotation"). Safe to run again: rows already under the new key are left
// alone, and a row that opens with neither key aborts without a change.
int RunKeyRotation(const Config& config) {
  const char* new_key = std::getenv("PAYMENTS_NEW_SECRETS_KEY");
  crypto::SecretBox new_box;
  std::string error;
  if (new_key == nullptr || !crypto::SecretBox::FromBase64Key(new_key, &new_box, &error)) {
    std::fprintf(stderr, "payments-fcgi: configuration error: PAYMENTS_NEW_SECRETS_KEY: %s\n",
                 new_key == nullptr ? "required (base64 of 32 random bytes)" : error.c_str());
    return 2;
  }
  if (std::string(new_key) == config.secrets_key_b64) {
    std::fprintf(stderr, "payments-fcgi: PAYMENTS_NEW_SECRETS_KEY equals PAYMENTS_SECRETS_KEY\n");
    return 2;
  }
  Db db(get_driver_instance(), config.db);
  const KeyRotationReport report = RotateSecretsKey(db, SecretsBox(config), new_box);
  BOOST_LOG_TRIVIAL(info) << "secrets key rotated: " << report.resealed << " image secrets "
                          << "re-encrypted, " << report.already_current
                          << " already under the new key";
  std::printf("re-encrypted %d, already current %d\n", report.resealed, report.already_current);
  return 0;
}

int Worker(int listen_fd, const Config& config) {
  try {
    const Services services(config);
    const Router router(ApiRoutes(), AuthorizeRole);
    return RunWorkerProcess(listen_fd, config, router, services);
  } catch (const std::exception& e) {
    BOOST_LOG_TRIVIAL(error) << "worker failed: " << e.what();
    return 1;
  }
}

int Main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "serve";
  if (command == "-h" || command == "--help" || command == "help") {
    std::puts(
        "usage: payments-fcgi [serve|worker|migrate|cycle [--once]|check-config|"
        "rotate-secrets-key]");
    return 0;
  }
  Config config;
  try {
    config = Config::FromEnvironment();
    SecretsBox(config);  // image licensing cannot run without PAYMENTS_SECRETS_KEY
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "payments-fcgi: configuration error: %s\n", e.what());
    return 2;
  }
  InitLogging(config.log_level);
  try {
    if (command == "check-config") {
      std::puts("configuration OK");
      return 0;
    }
    if (command == "migrate") return Migrate(config);
    if (command == "rotate-secrets-key") return RunKeyRotation(config);
    if (command == "cycle") {
      const bool once = argc > 2 && std::strcmp(argv[2], "--once") == 0;
      if (argc > 2 && !once) {
        std::fprintf(stderr, "payments-fcgi: cycle takes only --once\n");
        return 2;
      }
      if (Migrate(config) != 0) return 1;
      return RunCycleProcess(config, once);
    }
    if (command == "serve" || command == "worker") {
      if (Migrate(config) != 0) return 1;
      {
        // Fail fast on unwritable audit files, before forking.
        const Services probe(config);
      }
      const int listen_fd = OpenListenSocket(config.fcgi_listen);
      BOOST_LOG_TRIVIAL(info) << "listening on " << config.fcgi_listen;
      if (command == "worker") return Worker(listen_fd, config);
      return RunSupervisor(config, Worker, listen_fd);
    }
    std::fprintf(stderr, "payments-fcgi: unknown command '%s' (try --help)\n", command.c_str());
    return 2;
  } catch (const std::exception& e) {
    BOOST_LOG_TRIVIAL(error) << "fatal: " << e.what();
    return 1;
  }
}

}  // namespace
}  // namespace payments

int main(int argc, char** argv) { return payments::Main(argc, argv); }
