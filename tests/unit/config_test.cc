// Unit tests for payments::Config (fcgi_app/config/config.h): defaults, every
// validated variable, list splitting and the ConfigError messages.

#include "config/config.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <stdlib.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "tests/unit/scoped_env.h"

namespace payments {
namespace {

using Env = std::map<std::string, std::string>;

// Loads a Config from `env` (names missing from the map are unset).
Config LoadFrom(const Env& env) {
  return Config::Load([&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

// Asserts that loading `env` throws a ConfigError whose message starts with
// "<variable>: " and contains `fragment`; returns the message.
std::string AssertConfigError(const Env& env, const std::string& variable,
                              const std::string& fragment = "") {
  std::string described;
  for (const auto& [name, value] : env) described += name + "='" + value + "' ";
  try {
    LoadFrom(env);
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    CPPUNIT_ASSERT_MESSAGE(
        "error for " + described + "does not start with the variable: " + message,
        message.rfind(variable + ": ", 0) == 0);
    CPPUNIT_ASSERT_MESSAGE("error for " + described + "lacks '" + fragment + "': " + message,
                           message.find(fragment) != std::string::npos);
    return message;
  } catch (const std::exception& e) {
    CPPUNIT_FAIL("expected ConfigError for " + described + "got another exception: " + e.what());
  }
  CPPUNIT_FAIL("expected ConfigError for " + described);
  return "";
}

const std::string kToken16 = "0123456789abcdef";
const std::string kAddrA = "0x" + std::string(40, 'a');
const std::string kAddrMixed = "0xAbCdEf0123456789ABCDEF0123456789abcdef01";

using testing::ScopedEnv;

}  // namespace

class ConfigTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ConfigTest);
  CPPUNIT_TEST(testDefaults);
  CPPUNIT_TEST(testEmptyValuesMeanDefaults);
  CPPUNIT_TEST(testExplicitValues);
  CPPUNIT_TEST(testDerivedAuditPaths);
  CPPUNIT_TEST(testIntegerBounds);
  CPPUNIT_TEST(testBadIntegers);
  CPPUNIT_TEST(testIntegerMessageFormat);
  CPPUNIT_TEST(testDbName);
  CPPUNIT_TEST(testLogLevel);
  CPPUNIT_TEST(testAdminToken);
  CPPUNIT_TEST(testViewerTokens);
  CPPUNIT_TEST(testManagerIpAllowlist);
  CPPUNIT_TEST(testBadManagerIpAllowlist);
  CPPUNIT_TEST(testIpv4PrefixOver32Refused);
  CPPUNIT_TEST(testAddressLists);
  CPPUNIT_TEST(testBadAddresses);
  CPPUNIT_TEST(testSecretsKey);
  CPPUNIT_TEST(testErrorsDoNotEchoSecrets);
  CPPUNIT_TEST(testSplitList);
  CPPUNIT_TEST(testToLower);
  CPPUNIT_TEST(testFromEnvironment);
  CPPUNIT_TEST(testCycleDefaults);
  CPPUNIT_TEST(testCycleExplicitValues);
  CPPUNIT_TEST(testCycleBadValues);
  CPPUNIT_TEST(testLivePayoutsNeedEverySetting);
  CPPUNIT_TEST(testSingleOrchestratorMode);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testDefaults() {
    const Config c = LoadFrom({});
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), c.db.host);
    CPPUNIT_ASSERT_EQUAL(3306, c.db.port);
    CPPUNIT_ASSERT_EQUAL(std::string(""), c.db.socket);
    CPPUNIT_ASSERT_EQUAL(std::string("payments"), c.db.name);
    CPPUNIT_ASSERT_EQUAL(std::string("root"), c.db.user);
    CPPUNIT_ASSERT_EQUAL(std::string(""), c.db.password);
    // The build points the default at the source tree's sql/ directory.
    CPPUNIT_ASSERT(c.migrations_dir.size() >= 3);
    CPPUNIT_ASSERT_EQUAL(std::string("sql"), c.migrations_dir.substr(c.migrations_dir.size() - 3));
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:9000"), c.fcgi_listen);
    CPPUNIT_ASSERT_EQUAL(2, c.workers);
    CPPUNIT_ASSERT_EQUAL(4, c.threads);
    CPPUNIT_ASSERT_EQUAL(std::size_t{1024 * 1024}, c.max_body_bytes);
    CPPUNIT_ASSERT_EQUAL(std::string("info"), c.log_level);
    CPPUNIT_ASSERT(c.admin_token.empty());
    CPPUNIT_ASSERT(c.viewer_tokens.empty());
    CPPUNIT_ASSERT(c.manager_ip_allowlist.empty());
    CPPUNIT_ASSERT_EQUAL(5, c.registration_per_minute);
    CPPUNIT_ASSERT_EQUAL(5, c.registration_burst);
    CPPUNIT_ASSERT(c.address_denylist.empty());
    CPPUNIT_ASSERT(c.top_orchestrators.empty());
    CPPUNIT_ASSERT(c.top_orchestrators_path.empty());
    CPPUNIT_ASSERT_EQUAL(std::string("data"), c.data_dir);
    CPPUNIT_ASSERT_EQUAL(std::string("data/audit/registry.log"), c.audit_log_path);
    CPPUNIT_ASSERT_EQUAL(std::string("data/audit/ledger-events.log"), c.ledger_journal_path);
    CPPUNIT_ASSERT_EQUAL(std::string("data/audit/license.log"), c.license_audit_log_path);
    CPPUNIT_ASSERT(c.secrets_key_b64.empty());
    CPPUNIT_ASSERT_EQUAL(900, c.license_lease_seconds);
  }

  // .env.example leaves most variables blank: blank must mean "default".
  // (PAYMENTS_LOG_LEVEL is left out: a blank level is refused, see the report.)
  void testEmptyValuesMeanDefaults() {
    const Config defaults = LoadFrom({});
    const Config c = LoadFrom({{"PAYMENTS_DB_HOST", ""},
                               {"PAYMENTS_DB_PORT", ""},
                               {"PAYMENTS_DB_SOCKET", ""},
                               {"PAYMENTS_DB_NAME", ""},
                               {"PAYMENTS_DB_USER", ""},
                               {"PAYMENTS_DB_PASSWORD", ""},
                               {"PAYMENTS_MIGRATIONS_DIR", ""},
                               {"PAYMENTS_FCGI_LISTEN", ""},
                               {"PAYMENTS_WORKERS", ""},
                               {"PAYMENTS_THREADS", ""},
                               {"PAYMENTS_MAX_BODY_BYTES", ""},
                               {"PAYMENTS_LOG_LEVEL", ""},
                               {"PAYMENTS_API_ADMIN_TOKEN", ""},
                               {"PAYMENTS_VIEWER_TOKENS", ""},
                               {"PAYMENTS_MANAGER_IP_ALLOWLIST", ""},
                               {"PAYMENTS_REGISTRATION_PER_MINUTE", ""},
                               {"PAYMENTS_REGISTRATION_BURST", ""},
                               {"PAYMENTS_ADDRESS_DENYLIST", ""},
                               {"PAYMENTS_TOP_ORCHESTRATORS", ""},
                               {"PAYMENTS_TOP_ORCHESTRATORS_PATH", ""},
                               {"PAYMENTS_DATA_DIR", ""},
                               {"PAYMENTS_AUDIT_LOG_PATH", ""},
                               {"PAYMENTS_LEDGER_JOURNAL_PATH", ""},
                               {"PAYMENTS_LICENSE_AUDIT_LOG_PATH", ""},
                               {"PAYMENTS_SECRETS_KEY", ""},
                               {"PAYMENTS_LICENSE_LEASE_SECONDS", ""}});
    CPPUNIT_ASSERT_EQUAL(defaults.db.host, c.db.host);
    CPPUNIT_ASSERT_EQUAL(defaults.db.port, c.db.port);
    CPPUNIT_ASSERT_EQUAL(defaults.db.name, c.db.name);
    CPPUNIT_ASSERT_EQUAL(defaults.db.user, c.db.user);
    CPPUNIT_ASSERT_EQUAL(defaults.migrations_dir, c.migrations_dir);
    CPPUNIT_ASSERT_EQUAL(defaults.fcgi_listen, c.fcgi_listen);
    CPPUNIT_ASSERT_EQUAL(defaults.workers, c.workers);
    CPPUNIT_ASSERT_EQUAL(defaults.threads, c.threads);
    CPPUNIT_ASSERT_EQUAL(defaults.max_body_bytes, c.max_body_bytes);
    CPPUNIT_ASSERT_EQUAL(defaults.log_level, c.log_level);
    CPPUNIT_ASSERT_EQUAL(defaults.registration_per_minute, c.registration_per_minute);
    CPPUNIT_ASSERT_EQUAL(defaults.registration_burst, c.registration_burst);
    CPPUNIT_ASSERT_EQUAL(defaults.data_dir, c.data_dir);
    CPPUNIT_ASSERT_EQUAL(defaults.audit_log_path, c.audit_log_path);
    CPPUNIT_ASSERT_EQUAL(defaults.ledger_journal_path, c.ledger_journal_path);
    CPPUNIT_ASSERT_EQUAL(defaults.license_audit_log_path, c.license_audit_log_path);
    CPPUNIT_ASSERT_EQUAL(defaults.license_lease_seconds, c.license_lease_seconds);
    CPPUNIT_ASSERT(c.admin_token.empty() && c.viewer_tokens.empty());
    CPPUNIT_ASSERT(c.manager_ip_allowlist.empty() && c.address_denylist.empty());
    CPPUNIT_ASSERT(c.top_orchestrators.empty() && c.top_orchestrators_path.empty());
    CPPUNIT_ASSERT(c.secrets_key_b64.empty());
  }

  void testExplicitValues() {
    const Config c = LoadFrom({{"PAYMENTS_DB_HOST", "db.internal"},
                               {"PAYMENTS_DB_PORT", "3307"},
                               {"PAYMENTS_DB_SOCKET", "/run/mysqld/mysqld.sock"},
                               {"PAYMENTS_DB_NAME", "payments_test_2"},
                               {"PAYMENTS_DB_USER", "svc"},
                               {"PAYMENTS_DB_PASSWORD", "p@ss word"},
                               {"PAYMENTS_MIGRATIONS_DIR", "/opt/sql"},
                               {"PAYMENTS_FCGI_LISTEN", "/run/payments/fcgi.sock"},
                               {"PAYMENTS_WORKERS", "8"},
                               {"PAYMENTS_THREADS", "16"},
                               {"PAYMENTS_MAX_BODY_BYTES", "2048"},
                               {"PAYMENTS_REGISTRATION_PER_MINUTE", "60"},
                               {"PAYMENTS_REGISTRATION_BURST", "10"},
                               {"PAYMENTS_TOP_ORCHESTRATORS_PATH", "/etc/top.txt"},
                               {"PAYMENTS_LICENSE_LEASE_SECONDS", "60"}});
    CPPUNIT_ASSERT_EQUAL(std::string("db.internal"), c.db.host);
    CPPUNIT_ASSERT_EQUAL(3307, c.db.port);
    CPPUNIT_ASSERT_EQUAL(std::string("/run/mysqld/mysqld.sock"), c.db.socket);
    CPPUNIT_ASSERT_EQUAL(std::string("payments_test_2"), c.db.name);
    CPPUNIT_ASSERT_EQUAL(std::string("svc"), c.db.user);
    CPPUNIT_ASSERT_EQUAL(std::string("p@ss word"), c.db.password);
    CPPUNIT_ASSERT_EQUAL(std::string("/opt/sql"), c.migrations_dir);
    CPPUNIT_ASSERT_EQUAL(std::string("/run/payments/fcgi.sock"), c.fcgi_listen);
    CPPUNIT_ASSERT_EQUAL(8, c.workers);
    CPPUNIT_ASSERT_EQUAL(16, c.threads);
    CPPUNIT_ASSERT_EQUAL(std::size_t{2048}, c.max_body_bytes);
    CPPUNIT_ASSERT_EQUAL(60, c.registration_per_minute);
    CPPUNIT_ASSERT_EQUAL(10, c.registration_burst);
    CPPUNIT_ASSERT_EQUAL(std::string("/etc/top.txt"), c.top_orchestrators_path);
    CPPUNIT_ASSERT_EQUAL(60, c.license_lease_seconds);
  }

  void testDerivedAuditPaths() {
    Config c = LoadFrom({{"PAYMENTS_DATA_DIR", "/var/lib/payments"}});
    CPPUNIT_ASSERT_EQUAL(std::string("/var/lib/payments"), c.data_dir);
    CPPUNIT_ASSERT_EQUAL(std::string("/var/lib/payments/audit/registry.log"), c.audit_log_path);
    CPPUNIT_ASSERT_EQUAL(std::string("/var/lib/payments/audit/ledger-events.log"),
                         c.ledger_journal_path);
    CPPUNIT_ASSERT_EQUAL(std::string("/var/lib/payments/audit/license.log"),
                         c.license_audit_log_path);

    // An explicit path wins over the data dir, each one independently.
    c = LoadFrom({{"PAYMENTS_DATA_DIR", "/d"},
                  {"PAYMENTS_AUDIT_LOG_PATH", "/logs/reg.jsonl"},
                  {"PAYMENTS_LICENSE_AUDIT_LOG_PATH", "/logs/lic.jsonl"}});
    CPPUNIT_ASSERT_EQUAL(std::string("/logs/reg.jsonl"), c.audit_log_path);
    CPPUNIT_ASSERT_EQUAL(std::string("/d/audit/ledger-events.log"), c.ledger_journal_path);
    CPPUNIT_ASSERT_EQUAL(std::string("/logs/lic.jsonl"), c.license_audit_log_path);
  }

  void testIntegerBounds() {
    const struct {
      const char* name;
      const char* min;
      const char* max;
      const char* below;
      const char* above;
    } kRanges[] = {
        {"PAYMENTS_DB_PORT", "1", "65535", "0", "65536"},
        {"PAYMENTS_WORKERS", "1", "256", "0", "257"},
        {"PAYMENTS_THREADS", "1", "256", "0", "257"},
        {"PAYMENTS_MAX_BODY_BYTES", "1024", "67108864", "1023", "67108865"},
        {"PAYMENTS_REGISTRATION_PER_MINUTE", "1", "1000000", "0", "1000001"},
        {"PAYMENTS_REGISTRATION_BURST", "1", "1000000", "0", "1000001"},
        {"PAYMENTS_LICENSE_LEASE_SECONDS", "1", "604800", "0", "604801"},
    };
    for (const auto& r : kRanges) {
      // The bounds themselves are accepted.
      LoadFrom({{r.name, r.min}});
      LoadFrom({{r.name, r.max}});
      AssertConfigError({{r.name, r.below}}, r.name, std::string("got '") + r.below + "'");
      AssertConfigError({{r.name, r.above}}, r.name, std::string("got '") + r.above + "'");
    }
    CPPUNIT_ASSERT_EQUAL(65535, LoadFrom({{"PAYMENTS_DB_PORT", "65535"}}).db.port);
    CPPUNIT_ASSERT_EQUAL(std::size_t{67108864},
                         LoadFrom({{"PAYMENTS_MAX_BODY_BYTES", "67108864"}}).max_body_bytes);
  }

  void testBadIntegers() {
    for (const char* bad : {"x", "12abc", "abc12", " 4", "4 ", "+4", "-4", "4.0", "1e2", "0x10",
                            "99999999999999999999", "-99999999999999999999", "4,5", "٤"}) {
      for (const char* name : {"PAYMENTS_DB_PORT", "PAYMENTS_WORKERS", "PAYMENTS_THREADS",
                               "PAYMENTS_MAX_BODY_BYTES", "PAYMENTS_REGISTRATION_PER_MINUTE",
                               "PAYMENTS_REGISTRATION_BURST", "PAYMENTS_LICENSE_LEASE_SECONDS"}) {
        AssertConfigError({{name, bad}}, name, "must be an integer");
      }
    }
  }

  void testIntegerMessageFormat() {
    // The format promised in config.h.
    CPPUNIT_ASSERT_EQUAL(std::string("PAYMENTS_WORKERS: must be an integer from 1 to 256, got 'x'"),
                         AssertConfigError({{"PAYMENTS_WORKERS", "x"}}, "PAYMENTS_WORKERS"));
    // The first bad variable is reported, and it is the one that is bad.
    const std::string message = AssertConfigError(
        {{"PAYMENTS_WORKERS", "2"}, {"PAYMENTS_THREADS", "0"}}, "PAYMENTS_THREADS");
    CPPUNIT_ASSERT(message.find("PAYMENTS_WORKERS") == std::string::npos);
  }

  void testDbName() {
    CPPUNIT_ASSERT_EQUAL(std::string(64, 'n'),
                         LoadFrom({{"PAYMENTS_DB_NAME", std::string(64, 'n')}}).db.name);
    CPPUNIT_ASSERT_EQUAL(std::string("Pay_9"), LoadFrom({{"PAYMENTS_DB_NAME", "Pay_9"}}).db.name);
    for (const std::string& bad :
         {std::string(65, 'n'), std::string("pay-ments"), std::string("pay ments"),
          std::string("payments;DROP"), std::string("pay`ments"), std::string("pay.ments"),
          std::string("p\xc3\xa9"), std::string("../x")}) {
      AssertConfigError({{"PAYMENTS_DB_NAME", bad}}, "PAYMENTS_DB_NAME", "got '" + bad + "'");
    }
  }

  void testLogLevel() {
    for (const char* level : {"debug", "info", "warning", "error"}) {
      CPPUNIT_ASSERT_EQUAL(std::string(level), LoadFrom({{"PAYMENTS_LOG_LEVEL", level}}).log_level);
    }
    // Case-insensitive, stored lower-case.
    CPPUNIT_ASSERT_EQUAL(std::string("warning"),
                         LoadFrom({{"PAYMENTS_LOG_LEVEL", "WARNING"}}).log_level);
    CPPUNIT_ASSERT_EQUAL(std::string("debug"),
                         LoadFrom({{"PAYMENTS_LOG_LEVEL", "Debug"}}).log_level);
    for (const char* bad : {"trace", "warn", "fatal", " info", "info ", "inf"}) {
      AssertConfigError({{"PAYMENTS_LOG_LEVEL", bad}}, "PAYMENTS_LOG_LEVEL",
                        "must be debug, info, warning or error");
    }
  }

  void testAdminToken() {
    CPPUNIT_ASSERT_EQUAL(kToken16, LoadFrom({{"PAYMENTS_API_ADMIN_TOKEN", kToken16}}).admin_token);
    const std::string long_token(200, 'z');
    CPPUNIT_ASSERT_EQUAL(long_token,
                         LoadFrom({{"PAYMENTS_API_ADMIN_TOKEN", long_token}}).admin_token);
    AssertConfigError({{"PAYMENTS_API_ADMIN_TOKEN", kToken16.substr(0, 15)}},
                      "PAYMENTS_API_ADMIN_TOKEN", "at least 16 characters");
    AssertConfigError({{"PAYMENTS_API_ADMIN_TOKEN", "x"}}, "PAYMENTS_API_ADMIN_TOKEN",
                      "at least 16 characters");
  }

  void testViewerTokens() {
    const std::string a(16, 'a');
    const std::string b(20, 'b');
    const std::string c(16, 'c');
    const Config config =
        LoadFrom({{"PAYMENTS_VIEWER_TOKENS", " " + a + ", " + b + "\t" + c + "\n,,"}});
    CPPUNIT_ASSERT_EQUAL(std::size_t{3}, config.viewer_tokens.size());
    CPPUNIT_ASSERT_EQUAL(a, config.viewer_tokens[0]);
    CPPUNIT_ASSERT_EQUAL(b, config.viewer_tokens[1]);
    CPPUNIT_ASSERT_EQUAL(c, config.viewer_tokens[2]);
    // Separators only: no tokens at all.
    CPPUNIT_ASSERT(LoadFrom({{"PAYMENTS_VIEWER_TOKENS", " , \t,"}}).viewer_tokens.empty());
    // One short token spoils the list.
    AssertConfigError({{"PAYMENTS_VIEWER_TOKENS", a + ",short"}}, "PAYMENTS_VIEWER_TOKENS",
                      "at least 16 characters");
    AssertConfigError({{"PAYMENTS_VIEWER_TOKENS", std::string(15, 'x')}}, "PAYMENTS_VIEWER_TOKENS",
                      "at least 16 characters");
  }

  void testManagerIpAllowlist() {
    const Config c = LoadFrom(
        {{"PAYMENTS_MANAGER_IP_ALLOWLIST",
          "10.0.0.1, 192.168.0.0/16\t::1\n2001:db8::/32,0.0.0.0/0 ::/0 10.1.2.3/32 fe80::/128"}});
    const std::vector<std::string> expected = {"10.0.0.1",      "192.168.0.0/16", "::1",
                                               "2001:db8::/32", "0.0.0.0/0",      "::/0",
                                               "10.1.2.3/32",   "fe80::/128"};
    CPPUNIT_ASSERT(expected == c.manager_ip_allowlist);
  }

  void testBadManagerIpAllowlist() {
    for (const char* bad :
         {"10.0.0.256", "10.0.0", "example.com", "localhost", "10.0.0.0/", "10.0.0.0/-1",
          "10.0.0.0/129", "10.0.0.0/x", "10.0.0.0/8/8", "10.0.0.0/+8", "/8", "::1/129", ":::1",
          "2001:db8::g", "10.0.0.1:80", "*"}) {
      AssertConfigError({{"PAYMENTS_MANAGER_IP_ALLOWLIST", std::string("10.0.0.1,") + bad}},
                        "PAYMENTS_MANAGER_IP_ALLOWLIST", std::string("'") + bad + "'");
    }
  }

  // Regression (found by this suite, fixed in 4ed48c0): the prefix was
  // checked against 128 whatever the family, so "10.0.0.0/33" passed and was
  // then silently ignored by IpInList.
  void testIpv4PrefixOver32Refused() {
    for (const char* bad : {"10.0.0.0/33", "192.168.0.0/64", "0.0.0.0/128"}) {
      AssertConfigError({{"PAYMENTS_MANAGER_IP_ALLOWLIST", bad}}, "PAYMENTS_MANAGER_IP_ALLOWLIST",
                        std::string("'") + bad + "'");
    }
    LoadFrom({{"PAYMENTS_MANAGER_IP_ALLOWLIST", "10.0.0.0/32 0.0.0.0/0 ::/128 ::/33"}});
  }

  void testAddressLists() {
    const Config c = LoadFrom({{"PAYMENTS_ADDRESS_DENYLIST", kAddrMixed + " , " + kAddrA},
                               {"PAYMENTS_TOP_ORCHESTRATORS", kAddrA + "\n" + kAddrMixed + ","}});
    const std::vector<std::string> expected = {ToLower(kAddrMixed), kAddrA};
    CPPUNIT_ASSERT(expected == c.address_denylist);
    const std::vector<std::string> expected_top = {kAddrA, ToLower(kAddrMixed)};
    CPPUNIT_ASSERT(expected_top == c.top_orchestrators);
    // Stored lower-case.
    CPPUNIT_ASSERT_EQUAL(std::string("0xabcdef0123456789abcdef0123456789abcdef01"),
                         c.address_denylist[0]);
  }

  void testBadAddresses() {
    const std::string hex40(40, '1');
    for (const std::string& bad :
         {std::string("0x") + std::string(39, '1'), std::string("0x") + std::string(41, '1'), hex40,
          "0X" + hex40, "1x" + hex40, "0x" + std::string(39, '1') + "g",
          "0x" + std::string(39, '1') + "\xc3\xa9", std::string("0x"), std::string("garbage")}) {
      for (const char* name : {"PAYMENTS_ADDRESS_DENYLIST", "PAYMENTS_TOP_ORCHESTRATORS"}) {
        const std::string message =
            AssertConfigError({{name, kAddrA + "," + bad}}, name, "'" + bad + "'");
        CPPUNIT_ASSERT(message.find("not a 0x-prefixed 40-hex address") != std::string::npos);
      }
    }
  }

  void testSecretsKey() {
    const std::string key32 = crypto::Base64Encode(std::string(32, '\x5a'));
    CPPUNIT_ASSERT_EQUAL(key32, LoadFrom({{"PAYMENTS_SECRETS_KEY", key32}}).secrets_key_b64);
    // Unpadded form of a 32-byte key (43 chars) is also valid base64 of 32 bytes.
    const std::string unpadded = key32.substr(0, key32.find('='));
    CPPUNIT_ASSERT_EQUAL(std::size_t{43}, unpadded.size());
    LoadFrom({{"PAYMENTS_SECRETS_KEY", unpadded}});

    AssertConfigError({{"PAYMENTS_SECRETS_KEY", crypto::Base64Encode(std::string(31, 'k'))}},
                      "PAYMENTS_SECRETS_KEY", "must decode to 32 bytes, got 31");
    AssertConfigError({{"PAYMENTS_SECRETS_KEY", crypto::Base64Encode(std::string(33, 'k'))}},
                      "PAYMENTS_SECRETS_KEY", "must decode to 32 bytes, got 33");
    AssertConfigError({{"PAYMENTS_SECRETS_KEY", crypto::Base64Encode(std::string(64, 'k'))}},
                      "PAYMENTS_SECRETS_KEY", "must decode to 32 bytes, got 64");
    // 32 characters of text are not 32 bytes of key.
    AssertConfigError({{"PAYMENTS_SECRETS_KEY", std::string(32, 'k')}}, "PAYMENTS_SECRETS_KEY",
                      "must decode to 32 bytes");
    for (const std::string& bad : {std::string("!!!!"), key32 + "\n", " " + key32,
                                   key32.substr(0, 41) + "-_", std::string("a")}) {
      AssertConfigError({{"PAYMENTS_SECRETS_KEY", bad}}, "PAYMENTS_SECRETS_KEY",
                        "not valid base64");
    }
  }

  // A refused secret must not end up in the start-up log.
  void testErrorsDoNotEchoSecrets() {
    const std::string short_admin = "Sup3rSecretAdm";
    std::string message =
        AssertConfigError({{"PAYMENTS_API_ADMIN_TOKEN", short_admin}}, "PAYMENTS_API_ADMIN_TOKEN");
    CPPUNIT_ASSERT(message.find(short_admin) == std::string::npos);

    const std::string good_viewer(16, 'v');
    message = AssertConfigError({{"PAYMENTS_VIEWER_TOKENS", good_viewer + ",Sh0rtViewer"}},
                                "PAYMENTS_VIEWER_TOKENS");
    CPPUNIT_ASSERT(message.find("Sh0rtViewer") == std::string::npos);
    CPPUNIT_ASSERT(message.find(good_viewer) == std::string::npos);

    const std::string bad_key = crypto::Base64Encode("thirty-one bytes of secret key!");
    message = AssertConfigError({{"PAYMENTS_SECRETS_KEY", bad_key}}, "PAYMENTS_SECRETS_KEY");
    CPPUNIT_ASSERT(message.find(bad_key) == std::string::npos);
  }

  void testSplitList() {
    using V = std::vector<std::string>;
    CPPUNIT_ASSERT(SplitList("").empty());
    CPPUNIT_ASSERT(SplitList(" ,\t,\n\r, ").empty());
    CPPUNIT_ASSERT(V({"a"}) == SplitList("a"));
    CPPUNIT_ASSERT(V({"a", "b"}) == SplitList("a,b"));
    CPPUNIT_ASSERT(V({"a", "b"}) == SplitList(" a , b "));
    CPPUNIT_ASSERT(V({"a", "b", "c", "d"}) == SplitList("a\tb\nc\r\nd"));
    CPPUNIT_ASSERT(V({"a", "b"}) == SplitList(",,a,,,b,,"));
    CPPUNIT_ASSERT(V({"a", "b", "c"}) == SplitList("a b  c"));
    // Other punctuation is part of an item.
    CPPUNIT_ASSERT(V({"a;b", "c|d"}) == SplitList("a;b c|d"));
    CPPUNIT_ASSERT(V({"10.0.0.0/8", "::1"}) == SplitList("10.0.0.0/8,::1"));
    // Order and duplicates are kept.
    CPPUNIT_ASSERT(V({"b", "a", "b"}) == SplitList("b,a,b"));
  }

  void testToLower() {
    CPPUNIT_ASSERT_EQUAL(std::string(""), ToLower(""));
    CPPUNIT_ASSERT_EQUAL(std::string("0xabcdef"), ToLower("0XAbCdEF"));
    CPPUNIT_ASSERT_EQUAL(std::string("mixed 123 _-"), ToLower("MiXeD 123 _-"));
    // Bytes outside ASCII are left alone.
    CPPUNIT_ASSERT_EQUAL(std::string("\xc3\x89t\xc3\xa9"), ToLower("\xc3\x89T\xc3\xa9"));
  }

  void testCycleDefaults() {
    const CycleConfig c = LoadFrom({}).cycle;
    CPPUNIT_ASSERT_EQUAL(60, c.interval_seconds);
    CPPUNIT_ASSERT_EQUAL(std::string("0.0001"), c.increment.ToString());
    CPPUNIT_ASSERT_EQUAL(5.0, c.default_health_timeout);
    CPPUNIT_ASSERT_EQUAL(16, c.health_concurrency);
    CPPUNIT_ASSERT_EQUAL(3, c.miss_threshold);
    CPPUNIT_ASSERT_EQUAL(3600, c.cooldown_seconds);
    CPPUNIT_ASSERT_EQUAL(std::string("0.1"), c.payout_threshold.ToString());
    CPPUNIT_ASSERT(c.dry_run);  // safe by default
    CPPUNIT_ASSERT(c.eth_rpc_url.empty());
    CPPUNIT_ASSERT_EQUAL(10.0, c.eth_rpc_timeout);
    CPPUNIT_ASSERT(!c.single_mode);
  }

  void testCycleExplicitValues() {
    const CycleConfig c = LoadFrom({{"PAYMENT_INTERVAL_SECONDS", "5"},
                                    {"PAYMENT_INCREMENT_ETH", "0.000000000000000001"},
                                    {"PAYMENTS_DEFAULT_HEALTH_TIMEOUT", "0.25"},
                                    {"PAYMENTS_HEALTH_CONCURRENCY", "4"},
                                    {"PAYMENTS_MISS_THRESHOLD", "7"},
                                    {"PAYMENTS_COOLDOWN_SECONDS", "90"},
                                    {"PAYMENT_PAYOUT_THRESHOLD_ETH", "2.5"},
                                    {"PAYMENT_DRY_RUN", "TRUE"},
                                    {"PAYMENTS_ETH_RPC_TIMEOUT", "3"},
                                    {"PAYMENTS_BOOTSTRAP_ORCHESTRATORS", "[]"},
                                    {"PAYMENTS_BOOTSTRAP_ORCHESTRATORS_PATH", "/etc/o.json"}})
                              .cycle;
    CPPUNIT_ASSERT_EQUAL(5, c.interval_seconds);
    CPPUNIT_ASSERT_EQUAL(std::string("0.000000000000000001"), c.increment.ToString());
    CPPUNIT_ASSERT_EQUAL(0.25, c.default_health_timeout);
    CPPUNIT_ASSERT_EQUAL(4, c.health_concurrency);
    CPPUNIT_ASSERT_EQUAL(7, c.miss_threshold);
    CPPUNIT_ASSERT_EQUAL(90, c.cooldown_seconds);
    CPPUNIT_ASSERT_EQUAL(std::string("2.5"), c.payout_threshold.ToString());
    CPPUNIT_ASSERT(c.dry_run);
    CPPUNIT_ASSERT_EQUAL(3.0, c.eth_rpc_timeout);
    CPPUNIT_ASSERT_EQUAL(std::string("[]"), c.bootstrap_json);
    CPPUNIT_ASSERT_EQUAL(std::string("/etc/o.json"), c.bootstrap_path);
    for (const char* no : {"false", "0", "no", "OFF"}) {
      const Env live = {{"PAYMENT_DRY_RUN", no},
                        {"ETH_RPC_URL", "http://127.0.0.1:8545"},
                        {"PAYMENT_FROM_ADDRESS", "0x1111111111111111111111111111111111111111"},
                        {"ETH_CHAIN_ID", "1"}};
      CPPUNIT_ASSERT_MESSAGE(no, !LoadFrom(live).cycle.dry_run);
    }
  }

  void testCycleBadValues() {
    AssertConfigError({{"PAYMENT_INTERVAL_SECONDS", "0"}}, "PAYMENT_INTERVAL_SECONDS");
    AssertConfigError({{"PAYMENT_INTERVAL_SECONDS", "86401"}}, "PAYMENT_INTERVAL_SECONDS");
    AssertConfigError({{"PAYMENT_INCREMENT_ETH", "0"}}, "PAYMENT_INCREMENT_ETH", "greater than 0");
    AssertConfigError({{"PAYMENT_INCREMENT_ETH", "-1"}}, "PAYMENT_INCREMENT_ETH");
    AssertConfigError({{"PAYMENT_INCREMENT_ETH", "1e-19"}}, "PAYMENT_INCREMENT_ETH",
                      "Too many decimal places");
    AssertConfigError({{"PAYMENT_INCREMENT_ETH", "abc"}}, "PAYMENT_INCREMENT_ETH",
                      "Invalid decimal");
    AssertConfigError({{"PAYMENT_PAYOUT_THRESHOLD_ETH", "0"}}, "PAYMENT_PAYOUT_THRESHOLD_ETH");
    AssertConfigError({{"PAYMENTS_DEFAULT_HEALTH_TIMEOUT", "0.05"}},
                      "PAYMENTS_DEFAULT_HEALTH_TIMEOUT", "from 0.1 to 60");
    AssertConfigError({{"PAYMENTS_DEFAULT_HEALTH_TIMEOUT", "nan"}},
                      "PAYMENTS_DEFAULT_HEALTH_TIMEOUT");
    AssertConfigError({{"PAYMENTS_DEFAULT_HEALTH_TIMEOUT", "5s"}},
                      "PAYMENTS_DEFAULT_HEALTH_TIMEOUT");
    AssertConfigError({{"PAYMENTS_HEALTH_CONCURRENCY", "0"}}, "PAYMENTS_HEALTH_CONCURRENCY");
    AssertConfigError({{"PAYMENTS_MISS_THRESHOLD", "0"}}, "PAYMENTS_MISS_THRESHOLD");
    AssertConfigError({{"PAYMENTS_COOLDOWN_SECONDS", "0"}}, "PAYMENTS_COOLDOWN_SECONDS");
    AssertConfigError({{"PAYMENT_DRY_RUN", "maybe"}}, "PAYMENT_DRY_RUN", "true or false");
    AssertConfigError({{"ETH_CHAIN_ID", "0"}}, "ETH_CHAIN_ID");
    AssertConfigError({{"ETH_CHAIN_ID", "0x1"}}, "ETH_CHAIN_ID");
    AssertConfigError({{"ETH_RPC_URL", "ftp://127.0.0.1/"}}, "ETH_RPC_URL");
    AssertConfigError({{"PAYMENT_FROM_ADDRESS", "0x12"}}, "PAYMENT_FROM_ADDRESS");
    AssertConfigError({{"PAYMENTS_ETH_RPC_TIMEOUT", "0.5"}}, "PAYMENTS_ETH_RPC_TIMEOUT");
  }

  void testLivePayoutsNeedEverySetting() {
    const Env complete = {{"PAYMENT_DRY_RUN", "false"},
                          {"ETH_RPC_URL", "https://127.0.0.1:9000/rpc"},
                          {"PAYMENT_FROM_ADDRESS", "0x1111111111111111111111111111111111111111"},
                          {"ETH_CHAIN_ID", "42161"}};
    const CycleConfig c = LoadFrom(complete).cycle;
    CPPUNIT_ASSERT(!c.dry_run);
    CPPUNIT_ASSERT_EQUAL(42161LL, c.chain_id);
    for (const char* missing : {"ETH_RPC_URL", "PAYMENT_FROM_ADDRESS", "ETH_CHAIN_ID"}) {
      Env env = complete;
      env.erase(missing);
      AssertConfigError(env, missing, "required when PAYMENT_DRY_RUN=false");
    }
  }

  void testSingleOrchestratorMode() {
    const Env single = {{"PAYMENTS_SINGLE_ORCHESTRATOR_MODE", "true"},
                        {"ORCHESTRATOR_ID", "orch-1"},
                        {"ORCHESTRATOR_ADDRESS", "0x2222222222222222222222222222222222222222"},
                        {"ORCHESTRATOR_HEALTH_URL", "http://127.0.0.1:7935/health"}};
    const CycleConfig c = LoadFrom(single).cycle;
    CPPUNIT_ASSERT(c.single_mode);
    CPPUNIT_ASSERT_EQUAL(std::string("orch-1"), c.single_id);
    CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:7935/health"), c.single_health_url);
    Env env = single;
    env.erase("ORCHESTRATOR_ID");
    AssertConfigError(env, "ORCHESTRATOR_ID");
    env = single;
    env["ORCHESTRATOR_ADDRESS"] = "nope";
    AssertConfigError(env, "ORCHESTRATOR_ADDRESS");
    env = single;
    env["ORCHESTRATOR_HEALTH_URL"] = "file:///etc/passwd";
    AssertConfigError(env, "ORCHESTRATOR_HEALTH_URL");
    // Outside single mode the three variables are not read.
    CPPUNIT_ASSERT(!LoadFrom({{"ORCHESTRATOR_ADDRESS", "nope"}}).cycle.single_mode);
  }

  void testFromEnvironment() {
    const ScopedEnv workers("PAYMENTS_WORKERS", "7");
    const ScopedEnv burst("PAYMENTS_REGISTRATION_BURST", "3");
    const Config c = Config::FromEnvironment();
    CPPUNIT_ASSERT_EQUAL(7, c.workers);
    CPPUNIT_ASSERT_EQUAL(3, c.registration_burst);
    {
      const ScopedEnv bad("PAYMENTS_THREADS", "lots");
      CPPUNIT_ASSERT_THROW(Config::FromEnvironment(), ConfigError);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConfigTest);

}  // namespace payments
