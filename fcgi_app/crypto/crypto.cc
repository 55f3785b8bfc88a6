#include "crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace payments::crypto {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// RAND_bytes / EVP_EncodeBlock / EVP_DecodeBlock take int lengths; large
// inputs are processed in chunks no bigger than these. Encode chunks are a
// multiple of 3 bytes and decode chunks a multiple of 4 chars so that chunk
// boundaries never fall inside a base64 quantum.
constexpr size_t kRandChunk = size_t{1} << 20;
constexpr size_t kEncodeChunk = size_t{3} << 16;
constexpr size_t kDecodeChunk = size_t{4} << 16;

const unsigned char* U8(const char* p) { return reinterpret_cast<const unsigned char*>(p); }
unsigned char* U8(char* p) { return reinterpret_cast<unsigned char*>(p); }

// Value of a standard-alphabet base64 char, or -1 for anything else
// (including '=', '-', '_', whitespace and NUL).
int Base64Value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// Wipes a std::string's buffer (used for decoded keys and failed plaintext).
void Cleanse(std::string* s) {
  if (!s->empty()) {
    OPENSSL_cleanse(s->data(), s->size());
  }
  s->clear();
}

}  // namespace

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  size_t done = 0;
  while (done < n) {
    const size_t chunk = std::min(n - done, kRandChunk);
    if (RAND_bytes(U8(out.data() + done), static_cast<int>(chunk)) != 1) {
      throw std::runtime_error("crypto: RAND_bytes failed");
    }
    done += chunk;
  }
  return out;
}

std::string RandomHex(size_t bytes) {
  std::string raw = RandomBytes(bytes);
  std::string hex = HexEncode(raw);
  Cleanse(&raw);
  return hex;
}

std::string HexEncode(std::string_view bytes) {
  std::string out;
  out.resize(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHexDigits[b >> 4];
    out[2 * i + 1] = kHexDigits[b & 0x0f];
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1 || len != 32) {
    throw std::runtime_error("crypto: SHA-256 failed");
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Always compare two buffers of b.size() bytes: (a, b) when the lengths
  // match, otherwise b against itself. The length verdict is combined only
  // after the constant-time compare, so timing depends on b.size() alone.
  const bool same_length = a.size() == b.size();
  const char* lhs = same_length ? a.data() : b.data();
  const int diff = b.empty() ? 0 : CRYPTO_memcmp(lhs, b.data(), b.size());
  return same_length && diff == 0;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve(4 * ((bytes.size() + 2) / 3));
  // EVP_EncodeBlock writes 4*ceil(n/3) chars plus a NUL terminator.
  std::string buf(4 * ((std::min(bytes.size(), kEncodeChunk) + 2) / 3) + 1, '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const size_t chunk = std::min(bytes.size() - done, kEncodeChunk);
    const int n = EVP_EncodeBlock(U8(buf.data()), U8(bytes.data() + done), static_cast<int>(chunk));
    out.append(buf.data(), static_cast<size_t>(n));
    done += chunk;
  }
  return out;
}

bool Base64Decode(std::string_view text, std::string* out) {
  const size_t len = text.size();
  if (len % 4 == 1) {
    return false;
  }

  // Count trailing '=' (only allowed on multiple-of-4 input, at most two).
  size_t pad = 0;
  while (pad < len && text[len - 1 - pad] == '=') {
    ++pad;
  }
  if (pad > 0 && (len % 4 != 0 || pad > 2)) {
    return false;
  }
  // Here the data part's length mod 4 is 0, 2 or 3: unpadded input passed
  // the mod-4 check, padded input is a multiple of 4 minus one or two.
  const size_t data_len = len - pad;

  // Every non-padding char must be in the standard alphabet; this also
  // rejects '=' anywhere before the trailing padding.
  for (size_t i = 0; i < data_len; ++i) {
    if (Base64Value(static_cast<unsigned char>(text[i])) < 0) {
      return false;
    }
  }

  // Canonical form: the bits of the last char that do not make it into an
  // output byte must be zero.
  const size_t rem = data_len % 4;
  if (rem != 0) {
    const int last = Base64Value(static_cast<unsigned char>(text[data_len - 1]));
    const int unused_bits_mask = rem == 2 ? 0x0f : 0x03;
    if ((last & unused_bits_mask) != 0) {
      return false;
    }
  }

  // Input is now validated; decode with OpenSSL. Full quanta are decoded in
  // chunks, the final partial quantum (if any) is re-padded and decoded
  // separately so EVP_DecodeBlock always sees well-formed padded input.
  const size_t full_len = data_len - rem;
  std::string result;
  result.reserve(full_len / 4 * 3 + 2);
  std::string buf(std::min(full_len, kDecodeChunk) / 4 * 3 + 3, '\0');
  size_t done = 0;
  while (done < full_len) {
    const size_t chunk = std::min(full_len - done, kDecodeChunk);
    const int n = EVP_DecodeBlock(U8(buf.data()), U8(text.data() + done), static_cast<int>(chunk));
    if (n < 0 || static_cast<size_t>(n) != chunk / 4 * 3) {
      Cleanse(&buf);
      Cleanse(&result);
      return false;
    }
    result.append(buf.data(), static_cast<size_t>(n));
    done += chunk;
  }
  if (rem != 0) {
    char quantum[4] = {'=', '=', '=', '='};
    std::copy(text.data() + full_len, text.data() + data_len, quantum);
    unsigned char tail[3];
    // EVP_DecodeBlock does not strip padding: it returns 3 and the padding
    // positions decode as zero bytes, which are dropped below.
    if (EVP_DecodeBlock(tail, U8(quantum), 4) != 3) {
      Cleanse(&buf);
      Cleanse(&result);
      return false;
    }
    result.append(reinterpret_cast<const char*>(tail), rem - 1);
    OPENSSL_cleanse(tail, sizeof(tail));
  }
  Cleanse(&buf);
  out->swap(result);
  Cleanse(&result);
  return true;
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out = Base64Encode(bytes);
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  for (char& c : out) {
    if (c == '+') {
      c = '-';
    } else if (c == '/') {
      c = '_';
    }
  }
  return out;
}

std::string NewToken() {
  std::string raw = RandomBytes(32);
  std::string token = Base64UrlEncode(raw);
  Cleanse(&raw);
  return token;
}

SecretBox::~SecretBox() { OPENSSL_cleanse(key_.data(), key_.size()); }

bool SecretBox::FromKey(std::string_view key, SecretBox* out, std::string* error) {
  if (key.size() != kKeySize) {
    if (error != nullptr) {
      *error =
          "key must be " + std::to_string(kKeySize) + " bytes, got " + std::to_string(key.size());
    }
    return false;
  }
  SecretBox box;
  std::copy(key.begin(), key.end(), box.key_.begin());
  box.has_key_ = true;
  *out = box;
  return true;
}

bool SecretBox::FromBase64Key(std::string_view key_b64, SecretBox* out, std::string* error) {
  std::string key;
  if (!Base64Decode(key_b64, &key)) {
    if (error != nullptr) {
      *error = "not valid base64";
    }
    return false;
  }
  if (key.size() != kKeySize) {
    if (error != nullptr) {
      *error = "must decode to " + std::to_string(kKeySize) + " bytes, got " +
               std::to_string(key.size());
    }
    Cleanse(&key);
    return false;
  }
  const bool ok = FromKey(key, out, error);
  Cleanse(&key);
  return ok;
}

std::string SecretBox::Seal(std::string_view plaintext, std::string_view aad) const {
  if (!has_key_) {
    throw std::logic_error("SecretBox::Seal: no key");
  }
  if (plaintext.size() > static_cast<size_t>(INT_MAX) - kOverhead ||
      aad.size() > static_cast<size_t>(INT_MAX)) {
    throw std::length_error("SecretBox::Seal: input too large");
  }

  std::string blob(kOverhead + plaintext.size(), '\0');
  unsigned char* version = U8(blob.data());
  unsigned char* nonce = version + 1;
  unsigned char* ciphertext = nonce + kNonceSize;
  unsigned char* tag = ciphertext + plaintext.size();

  *version = kVersion;
  if (RAND_bytes(nonce, static_cast<int>(kNonceSize)) != 1) {
    throw std::runtime_error("SecretBox::Seal: RAND_bytes failed");
  }

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) != 1) {
    throw std::runtime_error("SecretBox::Seal: cipher init failed");
  }
  if (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, U8(aad.data()),
                                        static_cast<int>(aad.size())) != 1) {
    throw std::runtime_error("SecretBox::Seal: AAD failed");
  }
  if (!plaintext.empty() && (EVP_EncryptUpdate(ctx.get(), ciphertext, &len, U8(plaintext.data()),
                                               static_cast<int>(plaintext.size())) != 1 ||
                             static_cast<size_t>(len) != plaintext.size())) {
    throw std::runtime_error("SecretBox::Seal: encrypt failed");
  }
  // GCM is a stream mode: Final emits no further ciphertext.
  if (EVP_EncryptFinal_ex(ctx.get(), ciphertext + plaintext.size(), &len) != 1 || len != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize), tag) != 1) {
    throw std::runtime_error("SecretBox::Seal: finalize failed");
  }
  return blob;
}

bool SecretBox::Open(std::string_view blob, std::string_view aad, std::string* plaintext) const {
  if (!has_key_) {
    return false;
  }
  if (blob.size() < kOverhead || blob.size() > static_cast<size_t>(INT_MAX) ||
      aad.size() > static_cast<size_t>(INT_MAX)) {
    return false;
  }
  const unsigned char* version = U8(blob.data());
  if (*version != kVersion) {
    return false;
  }
  const unsigned char* nonce = version + 1;
  const unsigned char* ciphertext = nonce + kNonceSize;
  const size_t ciphertext_len = blob.size() - kOverhead;
  // EVP_CIPHER_CTX_ctrl takes a non-const pointer even for SET_TAG.
  unsigned char tag[kTagSize];
  std::copy(ciphertext + ciphertext_len, ciphertext + ciphertext_len + kTagSize, tag);

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) != 1) {
    return false;
  }
  if (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, U8(aad.data()),
                                        static_cast<int>(aad.size())) != 1) {
    return false;
  }
  std::string result(ciphertext_len, '\0');
  if (ciphertext_len > 0 && (EVP_DecryptUpdate(ctx.get(), U8(result.data()), &len, ciphertext,
                                               static_cast<int>(ciphertext_len)) != 1 ||
                             static_cast<size_t>(len) != ciphertext_len)) {
    Cleanse(&result);
    return false;
  }
  // Final verifies the tag; on mismatch the decrypted bytes are discarded.
  unsigned char final_block[EVP_MAX_BLOCK_LENGTH];
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), tag) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), final_block, &len) != 1 || len != 0) {
    Cleanse(&result);
    return false;
  }
  plaintext->swap(result);
  Cleanse(&result);
  return true;
}

}  // namespace payments::crypto
