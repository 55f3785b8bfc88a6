// Unit tests for the database-free half of fcgi_app/storage/migrations.h:
// SplitSqlStatements and ListMigrations (on the real sql/ directory and on
// temporary directories).

#include "storage/migrations.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"
#include "tests/unit/temp_dir.h"

namespace payments {
namespace {

using Statements = std::vector<std::string>;

// A TempDir that holds migration files.
class MigrationDir : public testing::TempDir {
 public:
  void Add(const std::string& name, const std::string& text = "SELECT 1;\n") const {
    CPPUNIT_ASSERT_MESSAGE("cannot write " + name, Write(name, text));
  }
};

// The directory the build configured as the default (the source tree's sql/).
std::string RealSqlDir() {
  return Config::Load([](const char*) -> const char* { return nullptr; }).migrations_dir;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string Show(const Statements& statements) {
  std::string out = "[";
  for (const std::string& s : statements) out += "<" + s + ">";
  return out + "]";
}

void AssertSplit(const std::string& text, const Statements& expected) {
  const Statements got = SplitSqlStatements(text);
  CPPUNIT_ASSERT_EQUAL_MESSAGE("splitting <" + text + ">", Show(expected), Show(got));
}

// Asserts ListMigrations(dir) throws std::runtime_error mentioning `fragment`.
void AssertListFails(const std::string& dir, const std::string& fragment) {
  try {
    ListMigrations(dir);
  } catch (const std::runtime_error& e) {
    CPPUNIT_ASSERT_MESSAGE("message lacks '" + fragment + "': " + e.what(),
                           std::string(e.what()).find(fragment) != std::string::npos);
    return;
  }
  CPPUNIT_FAIL("ListMigrations(" + dir + ") did not throw (expected '" + fragment + "')");
}

}  // namespace

class MigrationsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(MigrationsTest);
  CPPUNIT_TEST(testSplitSimple);
  CPPUNIT_TEST(testSplitComments);
  CPPUNIT_TEST(testSplitMultiLine);
  CPPUNIT_TEST(testSplitOnlyAtLineEnd);
  CPPUNIT_TEST(testSplitLastStatementWithoutSemicolon);
  CPPUNIT_TEST(testSplitCrLf);
  CPPUNIT_TEST(testSplitTrailingComment);
  CPPUNIT_TEST(testSplitNothing);
  CPPUNIT_TEST(testSplitSkipsEmptyStatements);
  CPPUNIT_TEST(testRealSqlDirectory);
  CPPUNIT_TEST(testListSortsByVersion);
  CPPUNIT_TEST(testListIgnoresOtherFiles);
  CPPUNIT_TEST(testListEmptyDirectory);
  CPPUNIT_TEST(testListBadNames);
  CPPUNIT_TEST(testListDuplicateVersions);
  CPPUNIT_TEST(testListUnreadableDirectory);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testSplitSimple() {
    AssertSplit("SELECT 1;", {"SELECT 1"});
    AssertSplit("SELECT 1;\n", {"SELECT 1"});
    AssertSplit("SELECT 1;\nSELECT 2;\n", {"SELECT 1", "SELECT 2"});
    // Whitespace after the semicolon still ends the statement.
    AssertSplit("SELECT 1;  \t\nSELECT 2;", {"SELECT 1", "SELECT 2"});
    AssertSplit("\n\n  \nSELECT 1;\n\n\nSELECT 2;\n\n", {"SELECT 1", "SELECT 2"});
  }

  void testSplitComments() {
    AssertSplit("-- header\nSELECT 1;\n-- trailer\n", {"SELECT 1"});
    AssertSplit("   -- indented comment\nSELECT 1;", {"SELECT 1"});
    AssertSplit("\t--tab comment;\nSELECT 1;", {"SELECT 1"});
    // A comment line ending in ';' does not end a statement.
    AssertSplit("CREATE TABLE t (\n  -- the id;\n  id INT\n);", {"CREATE TABLE t (\n  id INT\n)"});
    AssertSplit("-- only\n-- comments\n", {});
  }

  void testSplitMultiLine() {
    AssertSplit(
        "CREATE TABLE a (\n  id INT NOT NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n"
        "CREATE TABLE b (x INT);\n",
        {"CREATE TABLE a (\n  id INT NOT NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB",
         "CREATE TABLE b (x INT)"});
  }

  void testSplitOnlyAtLineEnd() {
    // Semicolons inside a line (string literals, two statements on one line)
    // do not split.
    AssertSplit("INSERT INTO t VALUES ('a;b');\n", {"INSERT INTO t VALUES ('a;b')"});
    AssertSplit("INSERT INTO t VALUES ('x;');\nSELECT 1;",
                {"INSERT INTO t VALUES ('x;')", "SELECT 1"});
    AssertSplit("SELECT 1; SELECT 2\n", {"SELECT 1; SELECT 2\n"});
  }

  void testSplitLastStatementWithoutSemicolon() {
    AssertSplit("SELECT 1;\nSELECT 2", {"SELECT 1", "SELECT 2\n"});
    AssertSplit("SELECT 1", {"SELECT 1\n"});
    AssertSplit("SELECT 1;\n   \n\t\n", {"SELECT 1"});
  }

  void testSplitTrailingComment() {
    const Statements got = SplitSqlStatements(
        "CREATE TABLE a (x INT); -- first\nCREATE TABLE b (y INT);  -- second\n");
    CPPUNIT_ASSERT_EQUAL(std::size_t{2}, got.size());
    CPPUNIT_ASSERT(got[0].find("CREATE TABLE a") != std::string::npos);
    CPPUNIT_ASSERT(got[0].find("first") == std::string::npos);
    CPPUNIT_ASSERT(got[1].find("CREATE TABLE b") != std::string::npos);
  }

  void testSplitCrLf() {
    const Statements got = SplitSqlStatements("-- c\r\nSELECT 1;\r\nSELECT\r\n 2;\r\n");
    CPPUNIT_ASSERT_EQUAL(std::size_t{2}, got.size());
    CPPUNIT_ASSERT_EQUAL(std::string("SELECT 1"), got[0]);
    // No ';' left behind; what remains is whitespace MySQL ignores.
    CPPUNIT_ASSERT(got[1].find(';') == std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("SELECT\r\n 2"), got[1]);
  }

  void testSplitNothing() {
    AssertSplit("", {});
    AssertSplit("\n\n", {});
    AssertSplit("   \t  ", {});
  }

  // Regression (found by this suite, fixed in 4ed48c0): a line that is just
  // ";" produced an empty statement, which MySQL rejects ("Query was empty"),
  // failing the whole migration.
  void testSplitSkipsEmptyStatements() {
    AssertSplit("SELECT 1;\n;\n", {"SELECT 1"});
    AssertSplit(";\nSELECT 1;\n", {"SELECT 1"});
    AssertSplit("SELECT 1;\n  ;  \nSELECT 2;\n", {"SELECT 1", "SELECT 2"});
    AssertSplit(";\n;\n;", {});
  }

  void testRealSqlDirectory() {
    const std::string dir = RealSqlDir();
    const std::vector<Migration> migrations = ListMigrations(dir);
    CPPUNIT_ASSERT_MESSAGE("no migrations in " + dir, !migrations.empty());
    CPPUNIT_ASSERT_EQUAL(1, migrations[0].version);
    CPPUNIT_ASSERT_EQUAL(std::string("001_registry.sql"), migrations[0].name);
    for (std::size_t i = 0; i < migrations.size(); ++i) {
      const Migration& m = migrations[i];
      if (i > 0) CPPUNIT_ASSERT(migrations[i - 1].version < m.version);
      CPPUNIT_ASSERT(std::filesystem::is_regular_file(m.path));
      CPPUNIT_ASSERT_EQUAL(m.name, std::filesystem::path(m.path).filename().string());
      // Every file splits into statements that have content and no stray ';'
      // at the end or comment lines.
      const Statements statements = SplitSqlStatements(ReadAll(m.path));
      CPPUNIT_ASSERT_MESSAGE(m.name + " has no statements", !statements.empty());
      for (const std::string& s : statements) {
        CPPUNIT_ASSERT_MESSAGE(m.name + ": blank statement",
                               s.find_first_not_of(" \t\r\n") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(m.name + ": statement keeps its ';': " + s,
                               s.find_last_not_of(" \t\r\n") != s.rfind(';'));
        CPPUNIT_ASSERT_MESSAGE(m.name + ": comment left in: " + s,
                               s.find("\n--") == std::string::npos && s.rfind("--", 0) != 0);
      }
    }
    // The registry migration creates exactly these tables, in this order.
    const Statements registry = SplitSqlStatements(ReadAll(migrations[0].path));
    const std::vector<std::string> tables = {"orchestrators", "balances", "rate_limit_keys",
                                             "rate_limit_hits"};
    CPPUNIT_ASSERT_EQUAL(tables.size(), registry.size());
    for (std::size_t i = 0; i < tables.size(); ++i) {
      CPPUNIT_ASSERT_MESSAGE(registry[i],
                             registry[i].rfind("CREATE TABLE " + tables[i] + " (", 0) == 0);
    }
  }

  void testListSortsByVersion() {
    const MigrationDir dir;
    dir.Add("010_ten.sql");
    dir.Add("002_two.sql");
    dir.Add("001_One_1.sql");
    dir.Add("100_hundred.sql");
    dir.Add("000_zero.sql");
    const std::vector<Migration> list = ListMigrations(dir.path());
    CPPUNIT_ASSERT_EQUAL(std::size_t{5}, list.size());
    const int versions[] = {0, 1, 2, 10, 100};
    const char* names[] = {"000_zero.sql", "001_One_1.sql", "002_two.sql", "010_ten.sql",
                           "100_hundred.sql"};
    for (std::size_t i = 0; i < list.size(); ++i) {
      CPPUNIT_ASSERT_EQUAL(versions[i], list[i].version);
      CPPUNIT_ASSERT_EQUAL(std::string(names[i]), list[i].name);
      CPPUNIT_ASSERT_EQUAL(dir.path() + "/" + names[i], list[i].path);
    }
  }

  void testListIgnoresOtherFiles() {
    const MigrationDir dir;
    dir.Add("001_a.sql");
    dir.Add("README.md");
    dir.Add("notes.txt");
    dir.Add("001_a.sql.bak");
    dir.Add("002_b.sql~");
    dir.Add("003_c.sql.orig");
    dir.Add(".hidden");
    std::filesystem::create_directory(dir.path() + "/archive");
    const std::vector<Migration> list = ListMigrations(dir.path());
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, list.size());
    CPPUNIT_ASSERT_EQUAL(std::string("001_a.sql"), list[0].name);
  }

  void testListEmptyDirectory() {
    const MigrationDir dir;
    CPPUNIT_ASSERT(ListMigrations(dir.path()).empty());
  }

  void testListBadNames() {
    for (const char* bad : {"1_a.sql", "01_a.sql", "0001_a.sql", "001-a.sql", "001a.sql",
                            "001_.sql", "001.sql", "001_a b.sql", "001_a-b.sql", "001_a.b.sql",
                            "abc.sql", "a001_x.sql", "001_\xc3\xa9.sql", "x.sql"}) {
      const MigrationDir dir;
      dir.Add("002_fine.sql");
      dir.Add(bad);
      AssertListFails(dir.path(), bad);
      AssertListFails(dir.path(), "001_name.sql");
    }
  }

  void testListDuplicateVersions() {
    const MigrationDir dir;
    dir.Add("001_first.sql");
    dir.Add("002_second.sql");
    dir.Add("002_other.sql");
    AssertListFails(dir.path(), "two migrations share version 2");
  }

  void testListUnreadableDirectory() {
    const MigrationDir dir;
    AssertListFails(dir.path() + "/does-not-exist", "cannot read migrations directory");
    dir.Add("plain.txt");
    AssertListFails(dir.path() + "/plain.txt", "cannot read migrations directory");
    AssertListFails("", "cannot read migrations directory");
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MigrationsTest);

}  // namespace payments
