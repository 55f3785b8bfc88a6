// Unit tests for payments::crypto (fcgi_app/crypto/crypto.h).

#include "crypto/crypto.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

#include <cstddef>
#include <set>
#include <string>
#include <string_view>

namespace payments::crypto {
namespace {

// Test-only hex decoder for known-answer vectors (input is trusted).
std::string HexDecode(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return c - 'A' + 10;
  };
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>((nibble(hex[i]) << 4) | nibble(hex[i + 1])));
  }
  return out;
}

bool IsLowerHex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Braces would pick the initializer_list constructor.
// NOLINTNEXTLINE(modernize-return-braced-init-list)
std::string TestKey(char fill) { return std::string(32, fill); }

SecretBox MakeBox(char fill) {
  SecretBox box;
  std::string error;
  CPPUNIT_ASSERT(SecretBox::FromKey(TestKey(fill), &box, &error));
  return box;
}

}  // namespace

class CryptoTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(CryptoTest);
  CPPUNIT_TEST(TestBase64EncodeRfc4648Vectors);
  CPPUNIT_TEST(TestBase64DecodeRfc4648Vectors);
  CPPUNIT_TEST(TestBase64DecodeUnpadded);
  CPPUNIT_TEST(TestBase64RoundTripAllBytes);
  CPPUNIT_TEST(TestBase64DecodeRejectsInvalid);
  CPPUNIT_TEST(TestBase64DecodeFailureLeavesOutputUntouched);
  CPPUNIT_TEST(TestBase64UrlEncode);
  CPPUNIT_TEST(TestNewToken);
  CPPUNIT_TEST(TestRandomBytes);
  CPPUNIT_TEST(TestRandomHex);
  CPPUNIT_TEST(TestHexEncode);
  CPPUNIT_TEST(TestSha256Vectors);
  CPPUNIT_TEST(TestConstantTimeEquals);
  CPPUNIT_TEST(TestSecretBoxRoundTrip);
  CPPUNIT_TEST(TestSecretBoxBlobLayout);
  CPPUNIT_TEST(TestSecretBoxKnownAnswer);
  CPPUNIT_TEST(TestSecretBoxFreshNonce);
  CPPUNIT_TEST(TestSecretBoxTamperAnyByteFails);
  CPPUNIT_TEST(TestSecretBoxWrongAadFails);
  CPPUNIT_TEST(TestSecretBoxWrongKeyFails);
  CPPUNIT_TEST(TestSecretBoxTruncatedBlobFails);
  CPPUNIT_TEST(TestSecretBoxWithoutKey);
  CPPUNIT_TEST(TestSecretBoxFromKeyWrongSize);
  CPPUNIT_TEST(TestSecretBoxFromBase64Key);
  CPPUNIT_TEST(TestSecretBoxFromBase64KeyBadKey);
  CPPUNIT_TEST_SUITE_END();

 public:
  // RFC 4648 section 10 test vectors.
  void TestBase64EncodeRfc4648Vectors() {
    CPPUNIT_ASSERT_EQUAL(std::string(""), Base64Encode(""));
    CPPUNIT_ASSERT_EQUAL(std::string("Zg=="), Base64Encode("f"));
    CPPUNIT_ASSERT_EQUAL(std::string("Zm8="), Base64Encode("fo"));
    CPPUNIT_ASSERT_EQUAL(std::string("Zm9v"), Base64Encode("foo"));
    CPPUNIT_ASSERT_EQUAL(std::string("Zm9vYg=="), Base64Encode("foob"));
    CPPUNIT_ASSERT_EQUAL(std::string("Zm9vYmE="), Base64Encode("fooba"));
    CPPUNIT_ASSERT_EQUAL(std::string("Zm9vYmFy"), Base64Encode("foobar"));
    // Bytes that map onto '+' and '/'.
    CPPUNIT_ASSERT_EQUAL(std::string("+/+/"), Base64Encode(HexDecode("fbffbf")));
  }

  void TestBase64DecodeRfc4648Vectors() {
    const struct {
      const char* encoded;
      const char* decoded;
    } kVectors[] = {
        {"", ""},
        {"Zg==", "f"},
        {"Zm8=", "fo"},
        {"Zm9v", "foo"},
        {"Zm9vYg==", "foob"},
        {"Zm9vYmE=", "fooba"},
        {"Zm9vYmFy", "foobar"},
    };
    for (const auto& v : kVectors) {
      std::string out = "garbage";
      CPPUNIT_ASSERT_MESSAGE(v.encoded, Base64Decode(v.encoded, &out));
      CPPUNIT_ASSERT_EQUAL(std::string(v.decoded), out);
    }
    std::string out;
    CPPUNIT_ASSERT(Base64Decode("+/+/", &out));
    CPPUNIT_ASSERT_EQUAL(HexDecode("fbffbf"), out);
  }

  void TestBase64DecodeUnpadded() {
    std::string out;
    CPPUNIT_ASSERT(Base64Decode("Zg", &out));
    CPPUNIT_ASSERT_EQUAL(std::string("f"), out);
    CPPUNIT_ASSERT(Base64Decode("Zm8", &out));
    CPPUNIT_ASSERT_EQUAL(std::string("fo"), out);
    CPPUNIT_ASSERT(Base64Decode("Zm9vYg", &out));
    CPPUNIT_ASSERT_EQUAL(std::string("foob"), out);
    CPPUNIT_ASSERT(Base64Decode("Zm9vYmE", &out));
    CPPUNIT_ASSERT_EQUAL(std::string("fooba"), out);
  }

  void TestBase64RoundTripAllBytes() {
    std::string all;
    for (int i = 0; i < 256; ++i) {
      all.push_back(static_cast<char>(i));
    }
    // Every length 0..256 so each remainder mod 3 is covered many times.
    for (size_t n = 0; n <= all.size(); ++n) {
      const std::string input = all.substr(0, n);
      const std::string encoded = Base64Encode(input);
      CPPUNIT_ASSERT_EQUAL(4 * ((n + 2) / 3), encoded.size());
      std::string decoded;
      CPPUNIT_ASSERT(Base64Decode(encoded, &decoded));
      CPPUNIT_ASSERT(input == decoded);
    }
    // Large input exercises chunking on both sides.
    const std::string big = RandomBytes(1 << 20);
    std::string decoded;
    CPPUNIT_ASSERT(Base64Decode(Base64Encode(big), &decoded));
    CPPUNIT_ASSERT(big == decoded);
  }

  void TestBase64DecodeRejectsInvalid() {
    const std::string kInvalid[] = {
        "Z",                      // length mod 4 == 1
        "Zm9vY",                  // length mod 4 == 1
        "Zm9vY===",               // three '='
        "====",                   // only padding
        "Zm9v====",               // whole padding quantum
        "Zg=",                    // partial padding
        "Zm9vYg=",                // partial padding
        "Z===",                   // too much padding
        "Zg==Zg==",               // padding in the middle
        "Zm=v",                   // misplaced '='
        "=Zm9",                   // leading '='
        "Zm9v=",                  // '=' after a full quantum
        "Zm 9v",                  // space
        " Zm9v",                  // leading whitespace
        "Zm9v\n",                 // trailing newline
        "Zm9v\r\nYmFy",           // line break
        "Zm9\t",                  // tab
        "Zm9v!",                  // outside alphabet
        "Zm-v",                   // URL-safe '-'
        "Zm_v",                   // URL-safe '_'
        "Zm9v.A==",               // '.'
        std::string("Zm\0v", 4),  // embedded NUL
        "Zh==",                   // non-canonical: unused bits set
        "Zm9=",                   // non-canonical ("fo" is "Zm8=")
        "Zh",                     // non-canonical, unpadded
        "\xc3\xa9Zm9",            // non-ASCII
    };
    for (const std::string& text : kInvalid) {
      std::string out;
      CPPUNIT_ASSERT_MESSAGE("accepted: " + text, !Base64Decode(text, &out));
    }
  }

  void TestBase64DecodeFailureLeavesOutputUntouched() {
    std::string out = "unchanged";
    CPPUNIT_ASSERT(!Base64Decode("Zm9v!", &out));
    CPPUNIT_ASSERT_EQUAL(std::string("unchanged"), out);
  }

  void TestBase64UrlEncode() {
    CPPUNIT_ASSERT_EQUAL(std::string(""), Base64UrlEncode(""));
    CPPUNIT_ASSERT_EQUAL(std::string("Zg"), Base64UrlEncode("f"));
    CPPUNIT_ASSERT_EQUAL(std::string("Zm8"), Base64UrlEncode("fo"));
    CPPUNIT_ASSERT_EQUAL(std::string("Zm9v"), Base64UrlEncode("foo"));
    CPPUNIT_ASSERT_EQUAL(std::string("-_-_"), Base64UrlEncode(HexDecode("fbffbf")));
    CPPUNIT_ASSERT_EQUAL(std::string("-_8"), Base64UrlEncode(HexDecode("fbff")));
    for (int i = 0; i < 200; ++i) {
      const std::string encoded = Base64UrlEncode(RandomBytes(i));
      CPPUNIT_ASSERT(encoded.find_first_of("+/=") == std::string::npos);
    }
  }

  void TestNewToken() {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
      const std::string token = NewToken();
      CPPUNIT_ASSERT_EQUAL(size_t{43}, token.size());
      CPPUNIT_ASSERT(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                             "0123456789-_") == std::string::npos);
      seen.insert(token);
    }
    CPPUNIT_ASSERT_EQUAL(size_t{1000}, seen.size());
  }

  void TestRandomBytes() {
    CPPUNIT_ASSERT_EQUAL(size_t{0}, RandomBytes(0).size());
    CPPUNIT_ASSERT_EQUAL(size_t{1}, RandomBytes(1).size());
    CPPUNIT_ASSERT_EQUAL(size_t{4096}, RandomBytes(4096).size());
    CPPUNIT_ASSERT(RandomBytes(32) != RandomBytes(32));
  }

  void TestRandomHex() {
    CPPUNIT_ASSERT_EQUAL(std::string(""), RandomHex(0));
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
      const std::string hex = RandomHex(16);
      CPPUNIT_ASSERT_EQUAL(size_t{32}, hex.size());
      CPPUNIT_ASSERT(IsLowerHex(hex));
      seen.insert(hex);
    }
    CPPUNIT_ASSERT_EQUAL(size_t{100}, seen.size());
    CPPUNIT_ASSERT_EQUAL(size_t{2}, RandomHex(1).size());
  }

  void TestHexEncode() {
    CPPUNIT_ASSERT_EQUAL(std::string(""), HexEncode(""));
    CPPUNIT_ASSERT_EQUAL(std::string("00017f80ff"),
                         HexEncode(std::string("\x00\x01\x7f\x80\xff", 5)));
    CPPUNIT_ASSERT_EQUAL(std::string("616263"), HexEncode("abc"));
  }

  void TestSha256Vectors() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        Sha256Hex(""));
    CPPUNIT_ASSERT_EQUAL(
        std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        Sha256Hex("abc"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
  }

  void TestConstantTimeEquals() {
    CPPUNIT_ASSERT(ConstantTimeEquals("secret", "secret"));
    CPPUNIT_ASSERT(!ConstantTimeEquals("secret", "secreT"));
    CPPUNIT_ASSERT(!ConstantTimeEquals("secret", "Secret"));
    CPPUNIT_ASSERT(!ConstantTimeEquals("secret", "secret2"));
    CPPUNIT_ASSERT(!ConstantTimeEquals("secret2", "secret"));
    CPPUNIT_ASSERT(!ConstantTimeEquals("secret", ""));
    CPPUNIT_ASSERT(!ConstantTimeEquals("", "secret"));
    CPPUNIT_ASSERT(ConstantTimeEquals("", ""));
    // Embedded NULs are compared, not treated as terminators.
    CPPUNIT_ASSERT(!ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
    CPPUNIT_ASSERT(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
    const std::string token = NewToken();
    CPPUNIT_ASSERT(ConstantTimeEquals(token, std::string(token)));
  }

  void TestSecretBoxRoundTrip() {
    const SecretBox box = MakeBox('k');
    const std::string kPlaintexts[] = {"", "x", "registry password", std::string("\0\x01\xff", 3),
                                       std::string(100000, 'p')};
    for (const std::string& pt : kPlaintexts) {
      const std::string blob = box.Seal(pt, "registry.example.com/app:1.0");
      std::string opened = "stale";
      CPPUNIT_ASSERT(box.Open(blob, "registry.example.com/app:1.0", &opened));
      CPPUNIT_ASSERT(pt == opened);
    }
    // Empty aad round trips too.
    std::string opened;
    CPPUNIT_ASSERT(box.Open(box.Seal("pt", ""), "", &opened));
    CPPUNIT_ASSERT_EQUAL(std::string("pt"), opened);
    // A copy of the box opens what the original sealed (the copy is under test).
    // NOLINTNEXTLINE(performance-unnecessary-copy-initialization)
    const SecretBox copy = box;
    CPPUNIT_ASSERT(copy.Open(box.Seal("pt", "aad"), "aad", &opened));
    CPPUNIT_ASSERT_EQUAL(std::string("pt"), opened);
  }

  void TestSecretBoxBlobLayout() {
    const SecretBox box = MakeBox('k');
    const std::string blob = box.Seal("hello", "aad");
    CPPUNIT_ASSERT_EQUAL(size_t{1 + 12 + 5 + 16}, blob.size());
    CPPUNIT_ASSERT_EQUAL(size_t{29}, SecretBox::kOverhead);
    CPPUNIT_ASSERT_EQUAL('\x01', blob[0]);
    CPPUNIT_ASSERT(blob.find("hello") == std::string::npos);
  }

  // Test case 16 of the GCM specification (McGrew & Viega), AES-256 with
  // AAD and a 96-bit IV, wrapped into the SecretBox blob format.
  void TestSecretBoxKnownAnswer() {
    SecretBox box;
    std::string error;
    CPPUNIT_ASSERT(SecretBox::FromKey(HexDecode("feffe9928665731c6d6a8f9467308308"
                                                "feffe9928665731c6d6a8f9467308308"),
                                      &box, &error));
    const std::string iv = HexDecode("cafebabefacedbaddecaf888");
    const std::string aad = HexDecode("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const std::string expected_pt = HexDecode(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
    const std::string ct = HexDecode(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662");
    const std::string tag = HexDecode("76fc6ece0f4e1768cddf8853bb2d551b");
    const std::string blob = std::string("\x01", 1) + iv + ct + tag;
    std::string pt;
    CPPUNIT_ASSERT(box.Open(blob, aad, &pt));
    CPPUNIT_ASSERT(expected_pt == pt);
  }

  void TestSecretBoxFreshNonce() {
    const SecretBox box = MakeBox('k');
    const std::string a = box.Seal("same plaintext", "aad");
    const std::string b = box.Seal("same plaintext", "aad");
    CPPUNIT_ASSERT(a != b);
    CPPUNIT_ASSERT(a.substr(1, 12) != b.substr(1, 12));
  }

  void TestSecretBoxTamperAnyByteFails() {
    const SecretBox box = MakeBox('k');
    const std::string blob = box.Seal("top secret", "image@sha256:abc");
    for (size_t i = 0; i < blob.size(); ++i) {
      for (unsigned char mask : {0x01, 0x80, 0xff}) {
        std::string tampered = blob;
        tampered[i] = static_cast<char>(tampered[i] ^ mask);
        std::string out = "untouched";
        CPPUNIT_ASSERT_MESSAGE("byte " + std::to_string(i),
                               !box.Open(tampered, "image@sha256:abc", &out));
        CPPUNIT_ASSERT_EQUAL(std::string("untouched"), out);
      }
    }
    // Appending a byte also fails.
    std::string out;
    CPPUNIT_ASSERT(!box.Open(blob + "x", "image@sha256:abc", &out));
  }

  void TestSecretBoxWrongAadFails() {
    const SecretBox box = MakeBox('k');
    const std::string blob = box.Seal("top secret", "registry/app:1");
    std::string out;
    CPPUNIT_ASSERT(!box.Open(blob, "registry/app:2", &out));
    CPPUNIT_ASSERT(!box.Open(blob, "", &out));
    CPPUNIT_ASSERT(!box.Open(blob, "registry/app:1 ", &out));
    CPPUNIT_ASSERT(box.Open(blob, "registry/app:1", &out));
    const std::string no_aad = box.Seal("top secret", "");
    CPPUNIT_ASSERT(!box.Open(no_aad, "registry/app:1", &out));
  }

  void TestSecretBoxWrongKeyFails() {
    const SecretBox box = MakeBox('k');
    const SecretBox other = MakeBox('K');
    const std::string blob = box.Seal("top secret", "aad");
    std::string out;
    CPPUNIT_ASSERT(!other.Open(blob, "aad", &out));
    std::string key = TestKey('k');
    key[31] = 'j';  // one-byte difference
    SecretBox near;
    std::string error;
    CPPUNIT_ASSERT(SecretBox::FromKey(key, &near, &error));
    CPPUNIT_ASSERT(!near.Open(blob, "aad", &out));
  }

  void TestSecretBoxTruncatedBlobFails() {
    const SecretBox box = MakeBox('k');
    for (const std::string& pt : {std::string(""), std::string("secret")}) {
      const std::string blob = box.Seal(pt, "aad");
      for (size_t len = 0; len < blob.size(); ++len) {
        std::string out;
        CPPUNIT_ASSERT_MESSAGE("len " + std::to_string(len),
                               !box.Open(blob.substr(0, len), "aad", &out));
        // Dropping leading bytes fails as well.
        CPPUNIT_ASSERT(!box.Open(blob.substr(blob.size() - len), "aad", &out));
      }
    }
  }

  void TestSecretBoxWithoutKey() {
    const SecretBox empty;
    CPPUNIT_ASSERT(!empty.has_key());
    CPPUNIT_ASSERT_THROW(static_cast<void>(empty.Seal("pt", "aad")), std::logic_error);
    const std::string blob = MakeBox('k').Seal("pt", "aad");
    std::string out;
    CPPUNIT_ASSERT(!empty.Open(blob, "aad", &out));
  }

  void TestSecretBoxFromKeyWrongSize() {
    for (size_t n : {size_t{0}, size_t{16}, size_t{31}, size_t{33}, size_t{64}}) {
      SecretBox box;
      std::string error;
      CPPUNIT_ASSERT(!SecretBox::FromKey(std::string(n, 'k'), &box, &error));
      CPPUNIT_ASSERT(!error.empty());
      CPPUNIT_ASSERT(!box.has_key());
    }
    // A null error pointer is tolerated.
    SecretBox box;
    CPPUNIT_ASSERT(!SecretBox::FromKey("short", &box, nullptr));
  }

  void TestSecretBoxFromBase64Key() {
    const std::string key = RandomBytes(32);
    SecretBox from_b64;
    std::string error;
    CPPUNIT_ASSERT(SecretBox::FromBase64Key(Base64Encode(key), &from_b64, &error));
    CPPUNIT_ASSERT(from_b64.has_key());
    SecretBox from_raw;
    CPPUNIT_ASSERT(SecretBox::FromKey(key, &from_raw, &error));
    std::string out;
    CPPUNIT_ASSERT(from_raw.Open(from_b64.Seal("pt", "aad"), "aad", &out));
    CPPUNIT_ASSERT_EQUAL(std::string("pt"), out);
    // Unpadded form of the same key is accepted too.
    std::string unpadded = Base64Encode(key);
    while (unpadded.back() == '=') {
      unpadded.pop_back();
    }
    SecretBox from_unpadded;
    CPPUNIT_ASSERT(SecretBox::FromBase64Key(unpadded, &from_unpadded, &error));
    CPPUNIT_ASSERT(from_unpadded.Open(from_raw.Seal("pt", "a"), "a", &out));
  }

  void TestSecretBoxFromBase64KeyBadKey() {
    SecretBox box;
    std::string error;
    CPPUNIT_ASSERT(!SecretBox::FromBase64Key("not*base64!", &box, &error));
    CPPUNIT_ASSERT_EQUAL(std::string("not valid base64"), error);
    CPPUNIT_ASSERT(!box.has_key());

    error.clear();
    // Whitespace around an otherwise valid key (e.g. from a file) is rejected.
    CPPUNIT_ASSERT(!SecretBox::FromBase64Key(Base64Encode(TestKey('k')) + "\n", &box, &error));
    CPPUNIT_ASSERT_EQUAL(std::string("not valid base64"), error);

    error.clear();
    CPPUNIT_ASSERT(!SecretBox::FromBase64Key(Base64Encode(std::string(16, 'k')), &box, &error));
    CPPUNIT_ASSERT_EQUAL(std::string("must decode to 32 bytes, got 16"), error);

    error.clear();
    CPPUNIT_ASSERT(!SecretBox::FromBase64Key(Base64Encode(std::string(33, 'k')), &box, &error));
    CPPUNIT_ASSERT_EQUAL(std::string("must decode to 32 bytes, got 33"), error);

    error.clear();
    CPPUNIT_ASSERT(!SecretBox::FromBase64Key("", &box, &error));
    CPPUNIT_ASSERT_EQUAL(std::string("must decode to 32 bytes, got 0"), error);
    CPPUNIT_ASSERT(!box.has_key());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CryptoTest);

}  // namespace payments::crypto
