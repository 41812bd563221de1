// Status: the outcome of an operation that can fail in an expected way (bad
// input, a missing file), as a value rather than an exception. Modelled on
// LevelDB's Status: cheap when ok, carries a code and a message otherwise.
#pragma once

#include <string>
#include <utility>

namespace faultline {

class Status {
 public:
  enum class Code { kOk, kMalformed, kIoError, kInvalidArgument, kBudgetExceeded };

  Status() = default;
  static Status ok() { return Status(); }
  static Status malformed(std::string msg) { return Status(Code::kMalformed, std::move(msg)); }
  static Status io_error(std::string msg) { return Status(Code::kIoError, std::move(msg)); }
  static Status invalid_argument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status budget_exceeded(std::string msg) {
    return Status(Code::kBudgetExceeded, std::move(msg));
  }

  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace faultline
