// Unit tests for the pure rules of fcgi_app/domain/licensing.h: secret
// validation, token extraction from the two headers, the lease and heartbeat
// decisions in API.md's order, the secrets key, and key-rotation resealing.

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

#include <optional>
#include <string>

#include "config/config.h"
#include "crypto/crypto.h"
#include "domain/licensing.h"

namespace payments {
namespace {

LeaseState LiveLease(const std::string& owner) {
  LeaseState s;
  s.orchestrator_id = owner;
  s.image_ref = "registry.example/app:1";
  s.image_id = 7;
  s.granted = true;
  return s;
}

crypto::SecretBox Box(char fill) {
  crypto::SecretBox box;
  CPPUNIT_ASSERT(crypto::SecretBox::FromKey(std::string(32, fill), &box, nullptr));
  return box;
}

}  // namespace

class LicensingRulesTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(LicensingRulesTest);
  CPPUNIT_TEST(testDecodeImageSecret);
  CPPUNIT_TEST(testPresentedToken);
  CPPUNIT_TEST(testJudgeLeaseRequest);
  CPPUNIT_TEST(testJudgeHeartbeatOrder);
  CPPUNIT_TEST(testRevokesLease);
  CPPUNIT_TEST(testRefusalCodes);
  CPPUNIT_TEST(testSecretsBox);
  CPPUNIT_TEST(testResealSecret);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testDecodeImageSecret() {
    std::string secret = "untouched";
    const std::string bytes32(32, '\x01');
    CPPUNIT_ASSERT(SecretCheck::kOk == DecodeImageSecret(crypto::Base64Encode(bytes32), &secret));
    CPPUNIT_ASSERT(bytes32 == secret);
    // Unpadded standard base64 is accepted too.
    std::string unpadded = crypto::Base64Encode(std::string(40, '\xfe'));
    while (unpadded.back() == '=') unpadded.pop_back();
    CPPUNIT_ASSERT(SecretCheck::kOk == DecodeImageSecret(unpadded, &secret));
    CPPUNIT_ASSERT_EQUAL(std::size_t{40}, secret.size());

    secret = "untouched";
    CPPUNIT_ASSERT(SecretCheck::kTooShort ==
                   DecodeImageSecret(crypto::Base64Encode(std::string(31, 'x')), &secret));
    CPPUNIT_ASSERT(SecretCheck::kTooShort == DecodeImageSecret("", &secret));
    for (const char* bad : {"not base64!", "a", "====", "YWJj ZGVm", "-_-_"}) {
      CPPUNIT_ASSERT_MESSAGE(bad, SecretCheck::kNotBase64 == DecodeImageSecret(bad, &secret));
    }
    // A line break (as `openssl rand -base64 64` prints) is not base64.
    CPPUNIT_ASSERT(SecretCheck::kNotBase64 ==
                   DecodeImageSecret(crypto::Base64Encode(bytes32) + "\n", &secret));
    CPPUNIT_ASSERT_EQUAL(std::string("untouched"), secret);
  }

  void testPresentedToken() {
    CPPUNIT_ASSERT_EQUAL(std::string("abc"), PresentedOrchestratorToken("Bearer abc", ""));
    CPPUNIT_ASSERT_EQUAL(std::string("abc"), PresentedOrchestratorToken("bearer   abc  ", ""));
    CPPUNIT_ASSERT_EQUAL(std::string("abc"), PresentedOrchestratorToken("BEARER\tabc", ""));
    CPPUNIT_ASSERT_EQUAL(std::string("xyz"), PresentedOrchestratorToken("", "xyz"));
    CPPUNIT_ASSERT_EQUAL(std::string("xyz"), PresentedOrchestratorToken("", " xyz "));
    // Bearer wins over the custom header.
    CPPUNIT_ASSERT_EQUAL(std::string("abc"), PresentedOrchestratorToken("Bearer abc", "xyz"));
    // Other schemes and empty bearers fall back to the custom header.
    CPPUNIT_ASSERT_EQUAL(std::string("xyz"), PresentedOrchestratorToken("Basic abc", "xyz"));
    CPPUNIT_ASSERT_EQUAL(std::string("xyz"), PresentedOrchestratorToken("Bearer ", "xyz"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), PresentedOrchestratorToken("Bearerabc", ""));
    CPPUNIT_ASSERT_EQUAL(std::string(""), PresentedOrchestratorToken("Bearer", ""));
    CPPUNIT_ASSERT_EQUAL(std::string(""), PresentedOrchestratorToken("", ""));
  }

  void testJudgeLeaseRequest() {
    CPPUNIT_ASSERT(LicenseRefusal::kImageNotFound == JudgeLeaseRequest(std::nullopt));
    ImageAccess access;
    access.granted = true;
    CPPUNIT_ASSERT(LicenseRefusal::kNone == JudgeLeaseRequest(access));
    access.granted = false;
    CPPUNIT_ASSERT(LicenseRefusal::kAccessDenied == JudgeLeaseRequest(access));
    // A revoked image is "revoked" whether or not a grant exists.
    access.revoked = true;
    CPPUNIT_ASSERT(LicenseRefusal::kImageRevoked == JudgeLeaseRequest(access));
    access.granted = true;
    CPPUNIT_ASSERT(LicenseRefusal::kImageRevoked == JudgeLeaseRequest(access));
  }

  void testJudgeHeartbeatOrder() {
    CPPUNIT_ASSERT(LicenseRefusal::kLeaseNotFound == JudgeHeartbeat(std::nullopt, "a"));
    LeaseState s = LiveLease("a");
    CPPUNIT_ASSERT(LicenseRefusal::kNone == JudgeHeartbeat(s, "a"));
    // Each check outranks the ones after it: set every fault, then clear
    // them one at a time in API.md's order.
    s.revoked = s.expired = s.image_revoked = true;
    s.granted = false;
    CPPUNIT_ASSERT(LicenseRefusal::kLeaseNotOwned == JudgeHeartbeat(s, "b"));
    CPPUNIT_ASSERT(LicenseRefusal::kLeaseRevoked == JudgeHeartbeat(s, "a"));
    s.revoked = false;
    CPPUNIT_ASSERT(LicenseRefusal::kLeaseExpired == JudgeHeartbeat(s, "a"));
    s.expired = false;
    CPPUNIT_ASSERT(LicenseRefusal::kImageRevoked == JudgeHeartbeat(s, "a"));
    s.image_revoked = false;
    CPPUNIT_ASSERT(LicenseRefusal::kAccessDenied == JudgeHeartbeat(s, "a"));
    s.granted = true;
    CPPUNIT_ASSERT(LicenseRefusal::kNone == JudgeHeartbeat(s, "a"));
    // Ids compare exactly.
    CPPUNIT_ASSERT(LicenseRefusal::kLeaseNotOwned == JudgeHeartbeat(s, "A"));
    CPPUNIT_ASSERT(LicenseRefusal::kLeaseNotOwned == JudgeHeartbeat(s, "a "));
  }

  void testRevokesLease() {
    CPPUNIT_ASSERT(RevokesLease(LicenseRefusal::kImageRevoked));
    CPPUNIT_ASSERT(RevokesLease(LicenseRefusal::kAccessDenied));
    for (LicenseRefusal r :
         {LicenseRefusal::kNone, LicenseRefusal::kLeaseNotFound, LicenseRefusal::kLeaseNotOwned,
          LicenseRefusal::kLeaseRevoked, LicenseRefusal::kLeaseExpired,
          LicenseRefusal::kImageNotFound, LicenseRefusal::kSecretUnreadable}) {
      CPPUNIT_ASSERT(!RevokesLease(r));
    }
  }

  void testRefusalCodes() {
    CPPUNIT_ASSERT_EQUAL(std::string("image_revoked"),
                         std::string(RefusalCode(LicenseRefusal::kImageRevoked)));
    CPPUNIT_ASSERT_EQUAL(std::string("access_denied"),
                         std::string(RefusalCode(LicenseRefusal::kAccessDenied)));
    CPPUNIT_ASSERT_EQUAL(std::string("lease_not_owned"),
                         std::string(RefusalCode(LicenseRefusal::kLeaseNotOwned)));
    CPPUNIT_ASSERT_EQUAL(std::string("lease_expired"),
                         std::string(RefusalCode(LicenseRefusal::kLeaseExpired)));
  }

  void testSecretsBox() {
    Config config;
    try {
      SecretsBox(config);
      CPPUNIT_FAIL("a missing key was accepted");
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      CPPUNIT_ASSERT_MESSAGE(message, message.rfind("PAYMENTS_SECRETS_KEY: required", 0) == 0);
    }
    config.secrets_key_b64 = crypto::Base64Encode(std::string(16, 'k'));
    try {
      SecretsBox(config);
      CPPUNIT_FAIL("a short key was accepted");
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      CPPUNIT_ASSERT_MESSAGE(message, message.rfind("PAYMENTS_SECRETS_KEY: ", 0) == 0);
      CPPUNIT_ASSERT(message.find(config.secrets_key_b64) == std::string::npos);
    }
    config.secrets_key_b64 = crypto::Base64Encode(std::string(32, 'k'));
    const crypto::SecretBox box = SecretsBox(config);
    CPPUNIT_ASSERT(box.has_key());
    std::string opened;
    CPPUNIT_ASSERT(Box('k').Open(box.Seal("secret", "ref"), "ref", &opened));
    CPPUNIT_ASSERT_EQUAL(std::string("secret"), opened);
  }

  void testResealSecret() {
    const crypto::SecretBox old_box = Box('o');
    const crypto::SecretBox new_box = Box('n');
    const crypto::SecretBox other = Box('x');
    const std::string secret(64, '\0');  // NUL bytes survive
    const std::string blob = old_box.Seal(secret, "img");

    std::string resealed;
    CPPUNIT_ASSERT(ResealOutcome::kResealed ==
                   ResealSecret(blob, "img", old_box, new_box, &resealed));
    CPPUNIT_ASSERT(resealed != blob);
    std::string opened;
    CPPUNIT_ASSERT(new_box.Open(resealed, "img", &opened));
    CPPUNIT_ASSERT(secret == opened);
    CPPUNIT_ASSERT(!old_box.Open(resealed, "img", &opened));
    // The image_ref stays bound: the blob does not open under another ref.
    CPPUNIT_ASSERT(!new_box.Open(resealed, "img2", &opened));

    // A rerun leaves rows already under the new key alone.
    std::string untouched = "untouched";
    CPPUNIT_ASSERT(ResealOutcome::kAlreadyCurrent ==
                   ResealSecret(resealed, "img", old_box, new_box, &untouched));
    CPPUNIT_ASSERT_EQUAL(std::string("untouched"), untouched);
    // Neither key, or the wrong ref: unreadable.
    CPPUNIT_ASSERT(ResealOutcome::kUnreadable ==
                   ResealSecret(other.Seal(secret, "img"), "img", old_box, new_box, &untouched));
    CPPUNIT_ASSERT(ResealOutcome::kUnreadable ==
                   ResealSecret(blob, "other-ref", old_box, new_box, &untouched));
    CPPUNIT_ASSERT_EQUAL(std::string("untouched"), untouched);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LicensingRulesTest);

}  // namespace payments
