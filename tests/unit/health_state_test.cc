// Unit tests for the health-state rules (domain/health_state.h) and the
// bootstrap document shapes (cycle/bootstrap.h): misses, cooldowns, their
// audit lines, and what PAYMENTS_BOOTSTRAP_ORCHESTRATORS may contain.
#include "domain/health_state.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>

#include "cycle/bootstrap.h"
#include "cycle/payment_cycle.h"

namespace payments {
namespace {

const Timestamp kNow = *Timestamp::ParseIso("2026-11-25T10:00:00Z");

OrchestratorRecord Fresh() {
  OrchestratorRecord r;
  r.orchestrator_id = "orch-1";
  r.address = "0x2222222222222222222222222222222222222222";
  r.eligible_for_payments = true;
  return r;
}

}  // namespace

class HealthStateTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HealthStateTest);
  CPPUNIT_TEST(testMissesBelowThresholdOnlyCount);
  CPPUNIT_TEST(testThresholdStartsCooldown);
  CPPUNIT_TEST(testMissesDuringCooldownAreNotCounted);
  CPPUNIT_TEST(testHealthyAndPartialResetTheRun);
  CPPUNIT_TEST(testClearCooldown);
  CPPUNIT_TEST(testStartCooldownRestarts);
  CPPUNIT_TEST(testAuditLine);
  CPPUNIT_TEST(testIntervalStartIsEpochAligned);
  CPPUNIT_TEST(testBootstrapList);
  CPPUNIT_TEST(testBootstrapObjectOfObjects);
  CPPUNIT_TEST(testBootstrapSingleObject);
  CPPUNIT_TEST(testBootstrapRefusesOtherDocuments);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testMissesBelowThresholdOnlyCount() {
    OrchestratorRecord r = Fresh();
    CPPUNIT_ASSERT(!RecordMiss(r, kNow, 3, 60));
    CPPUNIT_ASSERT(!RecordMiss(r, kNow.PlusSeconds(1), 3, 60));
    CPPUNIT_ASSERT_EQUAL(2, r.consecutive_misses);
    CPPUNIT_ASSERT_EQUAL(kNow.PlusSeconds(1).ToIso(), *r.last_missed_all_services);
    CPPUNIT_ASSERT(!r.cooldown_expires_at);
    CPPUNIT_ASSERT(r.eligible_for_payments);
  }

  void testThresholdStartsCooldown() {
    OrchestratorRecord r = Fresh();
    RecordMiss(r, kNow, 2, 60);
    CPPUNIT_ASSERT(RecordMiss(r, kNow, 2, 60));
    CPPUNIT_ASSERT_EQUAL(kNow.PlusSeconds(60).ToIso(), *r.cooldown_expires_at);
    CPPUNIT_ASSERT_EQUAL(kNow.ToIso(), *r.last_cooldown_started_at);
    CPPUNIT_ASSERT_EQUAL(0, r.consecutive_misses);
    CPPUNIT_ASSERT(r.CooldownActive(kNow));
    CPPUNIT_ASSERT(!r.eligible_for_payments);
  }

  void testMissesDuringCooldownAreNotCounted() {
    OrchestratorRecord r = Fresh();
    StartCooldown(r, kNow, 60);
    for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT(!RecordMiss(r, kNow.PlusSeconds(i), 2, 60));
    CPPUNIT_ASSERT_EQUAL(0, r.consecutive_misses);
    CPPUNIT_ASSERT_EQUAL(kNow.PlusSeconds(60).ToIso(), *r.cooldown_expires_at);  // not extended
    CPPUNIT_ASSERT_EQUAL(kNow.PlusSeconds(4).ToIso(), *r.last_missed_all_services);
  }

  void testHealthyAndPartialResetTheRun() {
    OrchestratorRecord r = Fresh();
    RecordMiss(r, kNow, 3, 60);
    RecordMiss(r, kNow, 3, 60);
    RecordPartial(r);
    CPPUNIT_ASSERT_EQUAL(0, r.consecutive_misses);
    CPPUNIT_ASSERT(!r.last_healthy_at);
    RecordMiss(r, kNow, 3, 60);
    RecordHealthy(r, kNow.PlusSeconds(5));
    CPPUNIT_ASSERT_EQUAL(0, r.consecutive_misses);
    CPPUNIT_ASSERT_EQUAL(kNow.PlusSeconds(5).ToIso(), *r.last_healthy_at);
  }

  void testClearCooldown() {
    OrchestratorRecord r = Fresh();
    CPPUNIT_ASSERT(!ClearCooldown(r, kNow));  // nothing to clear
    CPPUNIT_ASSERT(!r.last_cooldown_cleared_at);
    StartCooldown(r, kNow, 60);
    CPPUNIT_ASSERT(ClearCooldown(r, kNow.PlusSeconds(10)));
    CPPUNIT_ASSERT(!r.cooldown_expires_at);
    CPPUNIT_ASSERT_EQUAL(kNow.PlusSeconds(10).ToIso(), *r.last_cooldown_cleared_at);
    CPPUNIT_ASSERT(r.eligible_for_payments);
    // A denylisted orchestrator stays ineligible after its cooldown.
    r.denylisted = true;
    StartCooldown(r, kNow, 60);
    ClearCooldown(r, kNow);
    CPPUNIT_ASSERT(!r.eligible_for_payments);
  }

  void testStartCooldownRestarts() {
    OrchestratorRecord r = Fresh();
    StartCooldown(r, kNow, 60);
    StartCooldown(r, kNow.PlusSeconds(30), 600);
    CPPUNIT_ASSERT_EQUAL(kNow.PlusSeconds(630).ToIso(), *r.cooldown_expires_at);
    CPPUNIT_ASSERT_EQUAL(kNow.PlusSeconds(30).ToIso(), *r.last_cooldown_started_at);
  }

  void testAuditLine() {
    OrchestratorRecord r = Fresh();
    StartCooldown(r, kNow, 60);
    const Json::Value line = CooldownAuditLine("cooldown_started", r, "cycle", "misses");
    CPPUNIT_ASSERT_EQUAL(std::string("cooldown_started"), line["event"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("orch-1"), line["orchestrator_id"].asString());
    CPPUNIT_ASSERT_EQUAL(r.address, line["address"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("cycle"), line["actor"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("misses"), line["reason"].asString());
    CPPUNIT_ASSERT_EQUAL(*r.cooldown_expires_at, line["cooldown_expires_at"].asString());
    CPPUNIT_ASSERT(line["last_cooldown_cleared_at"].isNull());
  }

  void testIntervalStartIsEpochAligned() {
    const Timestamp t = *Timestamp::ParseIso("2026-11-25T10:07:59.999999Z");
    CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T10:07:00.000000Z"), IntervalStart(t, 60).ToIso());
    CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T10:00:00.000000Z"),
                         IntervalStart(t, 3600).ToIso());
    CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T10:07:59.000000Z"), IntervalStart(t, 1).ToIso());
    // The boundary itself starts the next interval.
    const Timestamp boundary = *Timestamp::ParseIso("2026-11-25T10:08:00Z");
    CPPUNIT_ASSERT(IntervalStart(boundary, 60) == boundary);
  }

  void testBootstrapList() {
    const auto entries =
        BootstrapEntries(R"([{"orchestrator_id":"a","address":"0x1"},{"orchestrator_id":"b"}, 7])");
    CPPUNIT_ASSERT_EQUAL(std::size_t{3}, entries.size());
    CPPUNIT_ASSERT_EQUAL(std::string("a"), entries[0]["orchestrator_id"].asString());
    CPPUNIT_ASSERT(entries[2].isInt());  // kept, to be reported as invalid
  }

  void testBootstrapObjectOfObjects() {
    const auto entries = BootstrapEntries(
        R"({"orch-b":{"address":"0x2"},"orch-a":{"orchestrator_id":"explicit","address":"0x1"}})");
    CPPUNIT_ASSERT_EQUAL(std::size_t{2}, entries.size());
    // Member order is sorted; the key fills in a missing orchestrator_id only.
    CPPUNIT_ASSERT_EQUAL(std::string("explicit"), entries[0]["orchestrator_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("orch-b"), entries[1]["orchestrator_id"].asString());
  }

  void testBootstrapSingleObject() {
    auto entries = BootstrapEntries(R"({"orchestrator_id":"solo","address":"0x1"})");
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, entries.size());
    CPPUNIT_ASSERT_EQUAL(std::string("solo"), entries[0]["orchestrator_id"].asString());
    entries = BootstrapEntries(R"({"address":"0x1","health_url":"http://127.0.0.1/h"})");
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, entries.size());
  }

  void testBootstrapRefusesOtherDocuments() {
    for (const char* text : {"", "{not json", "42", "\"text\"", "[1,]", "{\"a\":1} x"}) {
      CPPUNIT_ASSERT_THROW_MESSAGE(text, BootstrapEntries(text), std::invalid_argument);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HealthStateTest);

}  // namespace payments
