// Streaming SHA-256 (OpenSSL libcrypto), for checking transferred files.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "base/status.h"

namespace faultline {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t size);
  // The digest as 64 lowercase hex digits, as `sha256sum` prints it.
  std::string hex_digest();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// The SHA-256 of a local file's contents.
Status sha256_file(const std::string& path, std::string* hex);

}  // namespace faultline
