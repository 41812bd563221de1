#include "harness/ssh/sha256.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <fstream>

namespace faultline {

struct Sha256::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr);
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) { EVP_DigestUpdate(ctx_->md, data, size); }

std::string Sha256::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx_->md, digest, &len);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

Status sha256_file(const std::string& path, std::string* hex) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error(fmt::format("cannot read {}", path));
  Sha256 sha;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) sha.update(buf, in.gcount());
  if (in.bad()) return Status::io_error(fmt::format("cannot read {}", path));
  *hex = sha.hex_digest();
  return Status::ok();
}

}  // namespace faultline
