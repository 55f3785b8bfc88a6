// Unit tests for fcgi_app/app/services.h: IpInList (IPs and CIDRs, v4 and
// v6), the TopOrchestrators set with its file reload, and Services set-up.

#include "app/services.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <stdlib.h>

#include <boost/log/core.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"
#include "tests/unit/temp_dir.h"

namespace payments {
namespace {

using List = std::vector<std::string>;

using testing::TempDir;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  CPPUNIT_ASSERT_MESSAGE("cannot write " + path, out.good());
}

// Moves the file's modification time by `seconds` (so that a rewrite of the
// same size is still seen as a change).
void BumpMtime(const std::string& path, int seconds) {
  const auto t = std::filesystem::last_write_time(path);
  std::filesystem::last_write_time(path, t + std::chrono::seconds(seconds));
}

std::string Addr(char fill) { return "0x" + std::string(40, fill); }

Config TopConfig(const List& inline_list, const std::string& path) {
  Config c;
  c.top_orchestrators = inline_list;
  c.top_orchestrators_path = path;
  return c;
}

void AssertIn(const std::string& ip, const List& list) {
  std::string joined;
  for (const std::string& item : list) joined += item + " ";
  CPPUNIT_ASSERT_MESSAGE(ip + " should be in [ " + joined + "]", IpInList(ip, list));
}

void AssertNotIn(const std::string& ip, const List& list) {
  std::string joined;
  for (const std::string& item : list) joined += item + " ";
  CPPUNIT_ASSERT_MESSAGE(ip + " should not be in [ " + joined + "]", !IpInList(ip, list));
}

}  // namespace

class ServicesTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ServicesTest);
  CPPUNIT_TEST(testIpExact);
  CPPUNIT_TEST(testIpv4Cidr);
  CPPUNIT_TEST(testIpv6);
  CPPUNIT_TEST(testIpFamiliesDoNotMix);
  CPPUNIT_TEST(testIpBadInput);
  CPPUNIT_TEST(testTopNotConfigured);
  CPPUNIT_TEST(testTopInline);
  CPPUNIT_TEST(testTopFileParsing);
  CPPUNIT_TEST(testTopFileReload);
  CPPUNIT_TEST(testTopFileSameSizeRewrite);
  CPPUNIT_TEST(testTopFileMissingAndBack);
  CPPUNIT_TEST(testTopEmptyFileIsAConfiguredSet);
  CPPUNIT_TEST(testTopInlineAndFile);
  CPPUNIT_TEST(testServicesCreatesAuditFiles);
  CPPUNIT_TEST(testServicesRefusesUnwritableAudit);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override { boost::log::core::get()->set_logging_enabled(false); }
  void tearDown() override { boost::log::core::get()->set_logging_enabled(true); }

  void testIpExact() {
    AssertIn("10.0.0.1", {"10.0.0.1"});
    AssertIn("10.0.0.1", {"192.168.1.1", "10.0.0.1"});
    AssertNotIn("10.0.0.2", {"10.0.0.1"});
    AssertNotIn("10.0.0.1", {});
    AssertIn("10.0.0.1", {"10.0.0.1/32"});
    AssertNotIn("10.0.0.2", {"10.0.0.1/32"});
  }

  void testIpv4Cidr() {
    const List ten = {"10.0.0.0/8"};
    AssertIn("10.0.0.0", ten);
    AssertIn("10.255.255.255", ten);
    AssertNotIn("11.0.0.0", ten);
    AssertNotIn("9.255.255.255", ten);
    // Prefixes that do not end on a byte boundary.
    const List private172 = {"172.16.0.0/12"};
    AssertIn("172.16.0.1", private172);
    AssertIn("172.31.255.255", private172);
    AssertNotIn("172.32.0.0", private172);
    AssertNotIn("172.15.255.255", private172);
    const List slash31 = {"192.168.1.2/31"};
    AssertIn("192.168.1.2", slash31);
    AssertIn("192.168.1.3", slash31);
    AssertNotIn("192.168.1.4", slash31);
    AssertNotIn("192.168.1.1", slash31);
    const List slash25 = {"192.168.1.128/25"};
    AssertIn("192.168.1.200", slash25);
    AssertNotIn("192.168.1.127", slash25);
    const List slash1 = {"128.0.0.0/1"};
    AssertIn("200.1.1.1", slash1);
    AssertNotIn("127.0.0.1", slash1);
    // Host bits set in the network are ignored.
    AssertIn("10.9.8.7", {"10.1.2.3/8"});
    // /0 is everything (IPv4).
    AssertIn("1.2.3.4", {"0.0.0.0/0"});
    AssertIn("255.255.255.255", {"0.0.0.0/0"});
  }

  void testIpv6() {
    AssertIn("::1", {"::1"});
    AssertIn("::1", {"0:0:0:0:0:0:0:1"});  // compared as addresses, not text
    AssertIn("2001:DB8::1", {"2001:db8::1"});
    AssertNotIn("::2", {"::1"});
    const List doc = {"2001:db8::/32"};
    AssertIn("2001:db8::", doc);
    AssertIn("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", doc);
    AssertNotIn("2001:db9::", doc);
    AssertNotIn("2001:db7:ffff::1", doc);
    const List odd = {"fe80::/10"};
    AssertIn("fe80::1", odd);
    AssertIn("febf:ffff::1", odd);
    AssertNotIn("fec0::1", odd);
    AssertIn("2001:db8::5", {"2001:db8::5/128"});
    AssertNotIn("2001:db8::6", {"2001:db8::5/128"});
    AssertIn("2001:db8::6", {"::/0"});
  }

  void testIpFamiliesDoNotMix() {
    AssertNotIn("10.0.0.1", {"::/0"});
    AssertNotIn("::1", {"0.0.0.0/0"});
    AssertNotIn("::ffff:10.0.0.1", {"10.0.0.1"});
    AssertNotIn("10.0.0.1", {"::ffff:10.0.0.1"});
    // A mixed list still finds the right entry.
    AssertIn("10.0.0.1", {"::1", "2001:db8::/32", "10.0.0.0/24"});
    AssertIn("2001:db8::1", {"10.0.0.0/8", "2001:db8::/32"});
  }

  void testIpBadInput() {
    for (const char* ip : {"", "not-an-ip", "10.0.0", "10.0.0.256", "10.0.0.1/32", " 10.0.0.1",
                           "10.0.0.1 ", "10.0.0.1:443", "[::1]", "localhost"}) {
      AssertNotIn(ip, {"0.0.0.0/0", "::/0", "10.0.0.1"});
    }
    // List entries that can never match are skipped, not fatal.
    AssertNotIn("10.0.0.1", {"10.0.0.0/33"});
    AssertNotIn("::1", {"::/129"});
    AssertNotIn("10.0.0.1", {"garbage"});
    AssertIn("10.0.0.1", {"garbage", "10.0.0.0/33", "10.0.0.1"});
  }

  void testTopNotConfigured() {
    const Config c = TopConfig({}, "");
    const TopOrchestrators top(c);
    CPPUNIT_ASSERT(!top.Contains(Addr('a')).has_value());
    CPPUNIT_ASSERT(!top.Contains("").has_value());
  }

  void testTopInline() {
    const Config c = TopConfig({Addr('a'), Addr('b')}, "");
    const TopOrchestrators top(c);
    CPPUNIT_ASSERT(top.Contains(Addr('a')) == std::optional<bool>(true));
    CPPUNIT_ASSERT(top.Contains(Addr('b')) == std::optional<bool>(true));
    CPPUNIT_ASSERT(top.Contains(Addr('c')) == std::optional<bool>(false));
    CPPUNIT_ASSERT(top.Contains("") == std::optional<bool>(false));
  }

  void testTopFileParsing() {
    const TempDir dir;
    const std::string path = dir.File("top.txt");
    const std::string mixed = "0xAbCdEf0123456789ABCDEF0123456789abcdef01";
    WriteFile(path, "# top orchestrators\n" + Addr('1') + "\n\n   " + Addr('2') + "   \n" +
                        Addr('3') + ",\n" + Addr('4') + "  # trailing comment\n" + Addr('5') +
                        "\r\n\t" + mixed + "\n" + "0x123\n" + "not an address\n" + Addr('6') + "," +
                        Addr('7') + "\n" + "#" + Addr('8') + "\n" + Addr('9'));
    const Config c = TopConfig({}, path);
    const TopOrchestrators top(c);
    for (const char fill : {'1', '2', '3', '4', '5', '9'}) {
      CPPUNIT_ASSERT_MESSAGE(std::string("address ") + fill,
                             top.Contains(Addr(fill)) == std::optional<bool>(true));
    }
    // Stored lower-case; callers pass lower-cased keys.
    CPPUNIT_ASSERT(top.Contains(ToLower(mixed)) == std::optional<bool>(true));
    // Malformed lines, two addresses on one line and commented-out lines add nothing.
    for (const char fill : {'6', '7', '8'}) {
      CPPUNIT_ASSERT_MESSAGE(std::string("address ") + fill,
                             top.Contains(Addr(fill)) == std::optional<bool>(false));
    }
    CPPUNIT_ASSERT(top.Contains("0x123") == std::optional<bool>(false));
  }

  void testTopFileReload() {
    const TempDir dir;
    const std::string path = dir.File("top.txt");
    WriteFile(path, Addr('a') + "\n");
    const Config c = TopConfig({}, path);
    const TopOrchestrators top(c);
    CPPUNIT_ASSERT(top.Contains(Addr('a')) == std::optional<bool>(true));
    CPPUNIT_ASSERT(top.Contains(Addr('b')) == std::optional<bool>(false));

    // A rewrite (different size) is picked up on the next call.
    WriteFile(path, Addr('b') + "\n" + Addr('c') + "\n");
    CPPUNIT_ASSERT(top.Contains(Addr('a')) == std::optional<bool>(false));
    CPPUNIT_ASSERT(top.Contains(Addr('b')) == std::optional<bool>(true));
    CPPUNIT_ASSERT(top.Contains(Addr('c')) == std::optional<bool>(true));

    // Replaced by rename, as deploy tools do.
    const std::string staged = dir.File("top.txt.new");
    WriteFile(staged, "# only d\n" + Addr('d') + "\n");
    std::filesystem::rename(staged, path);
    CPPUNIT_ASSERT(top.Contains(Addr('d')) == std::optional<bool>(true));
    CPPUNIT_ASSERT(top.Contains(Addr('b')) == std::optional<bool>(false));
  }

  void testTopFileSameSizeRewrite() {
    const TempDir dir;
    const std::string path = dir.File("top.txt");
    WriteFile(path, Addr('a') + "\n");
    const Config c = TopConfig({}, path);
    const TopOrchestrators top(c);
    CPPUNIT_ASSERT(top.Contains(Addr('a')) == std::optional<bool>(true));
    WriteFile(path, Addr('b') + "\n");  // same size
    BumpMtime(path, 2);
    CPPUNIT_ASSERT(top.Contains(Addr('b')) == std::optional<bool>(true));
    CPPUNIT_ASSERT(top.Contains(Addr('a')) == std::optional<bool>(false));
  }

  // Documented in services.h: a configured file that does not exist counts
  // as not configured.
  void testTopFileMissingAndBack() {
    const TempDir dir;
    const std::string path = dir.File("top.txt");
    const Config c = TopConfig({}, path);
    const TopOrchestrators top(c);
    CPPUNIT_ASSERT(!top.Contains(Addr('a')).has_value());
    CPPUNIT_ASSERT(!top.Contains(Addr('a')).has_value());

    WriteFile(path, Addr('a') + "\n");
    CPPUNIT_ASSERT(top.Contains(Addr('a')) == std::optional<bool>(true));
    CPPUNIT_ASSERT(top.Contains(Addr('b')) == std::optional<bool>(false));

    std::filesystem::remove(path);
    CPPUNIT_ASSERT(!top.Contains(Addr('b')).has_value());

    WriteFile(path, Addr('b') + "\n");
    CPPUNIT_ASSERT(top.Contains(Addr('b')) == std::optional<bool>(true));
    CPPUNIT_ASSERT(top.Contains(Addr('a')) == std::optional<bool>(false));
  }

  void testTopEmptyFileIsAConfiguredSet() {
    const TempDir dir;
    const std::string path = dir.File("top.txt");
    WriteFile(path, "");
    const Config c = TopConfig({}, path);
    const TopOrchestrators top(c);
    CPPUNIT_ASSERT(top.Contains(Addr('a')) == std::optional<bool>(false));
    // Comments and junk only: still a configured, empty set.
    WriteFile(path, "# nobody yet\nnot-an-address\n");
    CPPUNIT_ASSERT(top.Contains(Addr('a')) == std::optional<bool>(false));
  }

  void testTopInlineAndFile() {
    const TempDir dir;
    const std::string path = dir.File("top.txt");
    WriteFile(path, Addr('f') + "\n");
    const Config c = TopConfig({Addr('a')}, path);
    const TopOrchestrators top(c);
    CPPUNIT_ASSERT(top.Contains(Addr('a')) == std::optional<bool>(true));
    CPPUNIT_ASSERT(top.Contains(Addr('f')) == std::optional<bool>(true));
    CPPUNIT_ASSERT(top.Contains(Addr('b')) == std::optional<bool>(false));
    // Without the file, the inline list still applies.
    std::filesystem::remove(path);
    CPPUNIT_ASSERT(top.Contains(Addr('a')) == std::optional<bool>(true));
    CPPUNIT_ASSERT(top.Contains(Addr('f')) == std::optional<bool>(false));
  }

  void testServicesCreatesAuditFiles() {
    const TempDir dir;
    const std::map<std::string, std::string> env = {
        {"PAYMENTS_DATA_DIR", dir.File("data")},
        {"PAYMENTS_TOP_ORCHESTRATORS", Addr('a')},
        {"PAYMENTS_LICENSE_AUDIT_LOG_PATH", dir.File("elsewhere/deeper/license.jsonl")}};
    const Config c = Config::Load([&env](const char* name) -> const char* {
      const auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    });
    const Services services(c);
    CPPUNIT_ASSERT(&services.config == &c);
    CPPUNIT_ASSERT(std::filesystem::is_regular_file(dir.File("data/audit/registry.log")));
    CPPUNIT_ASSERT(std::filesystem::is_regular_file(dir.File("data/audit/ledger-events.log")));
    CPPUNIT_ASSERT(std::filesystem::is_regular_file(dir.File("elsewhere/deeper/license.jsonl")));
    CPPUNIT_ASSERT_EQUAL(c.audit_log_path, services.registry_audit.path());
    CPPUNIT_ASSERT(services.top_orchestrators.Contains(Addr('a')) == std::optional<bool>(true));
  }

  void testServicesRefusesUnwritableAudit() {
    const TempDir dir;
    WriteFile(dir.File("plainfile"), "x");
    Config c;
    c.audit_log_path = dir.File("plainfile/registry.log");  // parent is a file
    c.ledger_journal_path = dir.File("ledger.log");
    c.license_audit_log_path = dir.File("license.log");
    CPPUNIT_ASSERT_THROW(Services services(c), std::runtime_error);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ServicesTest);

}  // namespace payments
