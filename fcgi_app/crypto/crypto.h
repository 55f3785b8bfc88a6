// payments::crypto - the backend's small cryptographic toolbox.
//
// Thin, strict wrappers around OpenSSL 3: CSPRNG bytes and ids, hex and
// base64 codecs, SHA-256, constant-time comparison, orchestrator token
// generation, and SecretBox (AES-256-GCM authenticated encryption for
// secrets at rest). No primitive is implemented here; all cryptography is
// delegated to OpenSSL (RAND_bytes, EVP_Digest, EVP AES-256-GCM,
// EVP_EncodeBlock/EVP_DecodeBlock, CRYPTO_memcmp).
//
// Thread safety: every free function is thread-safe (no shared mutable
// state; OpenSSL 3 is thread-safe without set-up). A SecretBox is immutable
// after construction and its const methods create their own EVP contexts per
// call, so one SecretBox may be used concurrently from any number of threads.

#ifndef FCGI_APP_CRYPTO_CRYPTO_H_
#define FCGI_APP_CRYPTO_CRYPTO_H_

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace payments::crypto {

// Returns n bytes from OpenSSL's CSPRNG (RAND_bytes). n == 0 returns "".
// Throws std::runtime_error if the CSPRNG fails (e.g. it cannot be seeded).
std::string RandomBytes(size_t n);

// Returns 2*bytes lowercase hex chars drawn from the CSPRNG, e.g.
// RandomHex(16) -> 32 hex chars (used for token/lease ids).
// Throws std::runtime_error if the CSPRNG fails.
std::string RandomHex(size_t bytes);

// Lowercase hex encoding of arbitrary bytes (2 chars per byte). Never fails.
std::string HexEncode(std::string_view bytes);

// SHA-256 of data as 64 lowercase hex chars.
// Throws std::runtime_error only if OpenSSL's digest fails (should not
// happen with a working libcrypto).
std::string Sha256Hex(std::string_view data);

// Constant-time equality via CRYPTO_memcmp. Never fails.
//
// Choice for different lengths: a constant-time compare is always run over
// an equal-length pair of buffers - (a, b) when the lengths match, otherwise
// (b, b) - and the length check is combined with its result afterwards. The
// running time therefore depends only on b.size(), never on the contents of
// either argument or on where they differ. Lengths are treated as public:
// pass the expected secret as `a` and the presented/untrusted value as `b`.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Standard base64 (RFC 4648 section 4, alphabet A-Z a-z 0-9 + /) with '='
// padding. Never fails; "" encodes to "".
std::string Base64Encode(std::string_view bytes);

// Strict standard base64 decode. Accepts padded input (length a multiple of
// 4, at most two trailing '='), and unpadded input whose length mod 4 is 2
// or 3. Rejects: any char outside the standard alphabet (including the
// URL-safe '-' and '_', whitespace, line breaks and NUL), '=' anywhere but
// the final one or two positions of a multiple-of-4 input, length mod 4 == 1,
// and non-canonical encodings whose unused trailing bits are not zero (so
// every byte string has exactly one accepted padded and one accepted
// unpadded form). "" decodes to "".
// Returns true and sets *out on success; returns false and leaves *out
// untouched on invalid input. out must not be null.
bool Base64Decode(std::string_view text, std::string* out);

// URL-safe base64 (RFC 4648 section 5: '-' and '_' instead of '+' and '/')
// without padding (used for orchestrator tokens). Never fails.
std::string Base64UrlEncode(std::string_view bytes);

// A new orchestrator token: 32 CSPRNG bytes, URL-safe base64 without padding
// (always 43 chars). Throws std::runtime_error if the CSPRNG fails.
std::string NewToken();

// AES-256-GCM authenticated encryption with a 32-byte key.
//
// Blob format produced by Seal and accepted by Open:
//   0x01 (version) || 12-byte random nonce || ciphertext || 16-byte tag
// The ciphertext has the same length as the plaintext, so a blob is always
// plaintext.size() + 29 bytes.
//
// Thread-safe: the key is fixed after construction and const methods create
// their own EVP contexts per call. A default-constructed SecretBox has no key:
// Seal throws and Open returns false on it. The key copy held by the object
// is wiped (OPENSSL_cleanse) on destruction.
//
// Nonces are random, so a single key should not seal more than about 2^32
// messages (NIST SP 800-38D random-IV limit); rotate keys well before that.
class SecretBox {
 public:
  static constexpr size_t kKeySize = 32;
  static constexpr size_t kNonceSize = 12;
  static constexpr size_t kTagSize = 16;
  static constexpr unsigned char kVersion = 0x01;
  // Smallest valid blob: version + nonce + empty ciphertext + tag.
  static constexpr size_t kOverhead = 1 + kNonceSize + kTagSize;

  SecretBox() = default;
  SecretBox(const SecretBox&) = default;
  SecretBox& operator=(const SecretBox&) = default;
  ~SecretBox();

  // Builds a box from a raw key. The key must be exactly 32 bytes; otherwise
  // returns false, sets *error (if error is non-null) and leaves *out
  // untouched. Returns true and sets *out on success. out must not be null.
  static bool FromKey(std::string_view key, SecretBox* out, std::string* error);

  // Builds a box from the standard base64 (see Base64Decode) of exactly 32
  // bytes. On failure returns false, leaves *out untouched and sets *error
  // (if non-null) to "not valid base64" or "must decode to 32 bytes, got N".
  // Returns true and sets *out on success. out must not be null.
  static bool FromBase64Key(std::string_view key_b64, SecretBox* out, std::string* error);

  // True once the box holds a key (i.e. it came from FromKey/FromBase64Key).
  [[nodiscard]] bool has_key() const { return has_key_; }

  // Encrypts plaintext under a fresh random nonce and returns the blob
  // described above. aad is authenticated, not encrypted, and must be passed
  // unchanged to Open (the image_ref is bound here).
  // Throws std::logic_error if the box has no key, std::length_error if
  // plaintext or aad exceed INT_MAX bytes, and std::runtime_error if the
  // CSPRNG or OpenSSL's cipher fails.
  [[nodiscard]] std::string Seal(std::string_view plaintext, std::string_view aad) const;

  // Decrypts and authenticates a blob from Seal. Returns true and sets
  // *plaintext on success. Returns false, leaving *plaintext untouched, when
  // the box has no key, the blob is malformed (too short, unknown version,
  // oversized), the tag does not verify (wrong key or any modified byte), or
  // aad differs from the one given to Seal. plaintext must not be null.
  bool Open(std::string_view blob, std::string_view aad, std::string* plaintext) const;

 private:
  std::array<unsigned char, kKeySize> key_{};
  bool has_key_ = false;
};

}  // namespace payments::crypto

#endif  // FCGI_APP_CRYPTO_CRYPTO_H_
