#include "harness/run/recorder.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace faultline {
namespace {

// Appends `value`'s compact JSON text as nlohmann's dump() writes it: the
// common values (null, numbers that are integers, booleans, printable ASCII
// strings, arrays of them) directly, which is most of a simulated seed's
// recording, anything else through dump(). Returns false when it cannot.
bool append_plain(const nlohmann::json& value, std::string* out) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: *out += "null"; return true;
    case nlohmann::json::value_t::boolean:
      *out += value.get<bool>() ? "true" : "false";
      return true;
    case nlohmann::json::value_t::number_integer:
      *out += fmt::format_int(value.get<int64_t>()).str();
      return true;
    case nlohmann::json::value_t::number_unsigned:
      *out += fmt::format_int(value.get<uint64_t>()).str();
      return true;
    case nlohmann::json::value_t::string: {
      const std::string& text = value.get_ref<const std::string&>();
      for (const char c : text)
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
      *out += '"';
      *out += text;
      *out += '"';
      return true;
    }
    case nlohmann::json::value_t::array: {
      *out += '[';
      for (size_t i = 0; i < value.size(); ++i) {
        if (i > 0) *out += ',';
        if (!append_plain(value[i], out)) return false;
      }
      *out += ']';
      return true;
    }
    default: return false;
  }
}

std::string dump(const nlohmann::json& value) {
  std::string text;
  if (append_plain(value, &text)) return text;
  // Bytes that are not UTF-8 (a server may answer anything) are replaced
  // rather than thrown on: the history must always be writable.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A fault's name from a nemesis f: "start-partition" -> "partition".
bool fault_name(const std::string& f, const char* prefix, std::string* name) {
  const size_t n = std::strlen(prefix);
  if (f.compare(0, n, prefix) != 0 || f.size() == n) return false;
  *name = f.substr(n);
  return true;
}

// The line of `e` given its key's and value's JSON text (key_text null: no key).
std::string format_line(const Op& e, int64_t index, const std::string* key_text,
                        const std::string& value_text) {
  std::string line = fmt::format("{{\"index\":{},\"time\":{},\"process\":", index, e.time);
  line += e.process == kNemesisProcess ? std::string("\"nemesis\"") : std::to_string(e.process);
  line += fmt::format(",\"type\":\"{}\",\"f\":{}", to_string(e.type), dump(e.f));
  if (key_text != nullptr) line += ",\"key\":" + *key_text;
  line += ",\"value\":" + value_text;
  if (!e.error.empty()) line += ",\"error\":" + dump(e.error);
  if (!e.node.empty()) line += ",\"node\":" + dump(e.node);
  line += "}\n";
  return line;
}

}  // namespace

std::string history_line(const Op& e, int64_t index) {
  const std::string key_text = e.key.is_null() ? "" : dump(e.key);
  return format_line(e, index, e.key.is_null() ? nullptr : &key_text, dump(e.value));
}

void append_event(const Op& op, History* history, std::string* jsonl) {
  Event e;
  e.index = static_cast<int64_t>(history->events.size());
  e.time = op.time;
  e.process = op.process;
  e.type = op.type;
  e.f = history->functions.intern(op.f);
  // Each text once: for the history's tables and for the line.
  const std::string key_text = op.key.is_null() ? "" : dump(op.key);
  const std::string value_text = dump(op.value);
  e.key = op.key.is_null() ? History::kNoKey : history->keys.intern(key_text);
  e.value = history->values.intern(value_text);
  if (!op.error.empty()) e.error = history->notes.intern(op.error);
  if (!op.node.empty()) e.node = history->notes.intern(op.node);
  e.line = static_cast<uint32_t>(e.index + 1);
  if (jsonl != nullptr)
    *jsonl += format_line(op, e.index, op.key.is_null() ? nullptr : &key_text, value_text);
  history->events.push_back(e);
}

Recorder::Recorder(Store* store, int64_t run_id, RecorderOptions options, int fd)
    : store_(store), run_id_(run_id), options_(options), fd_(fd) {
  writer_ = std::thread([this] { writer_loop(); });
}

Status Recorder::open(const std::string& jsonl_path, Store* store, int64_t run_id,
                      const RecorderOptions& options, std::unique_ptr<Recorder>* out) {
  int fd = -1;
  if (options.write_jsonl) {
    fd = ::open(jsonl_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      return Status::io_error(fmt::format("{}: cannot create: {}", jsonl_path, strerror(errno)));
  }
  out->reset(new Recorder(store, run_id, options, fd));
  (*out)->history_.source = jsonl_path;
  return Status::ok();
}

Recorder::~Recorder() {
  if (!closed_) close(nullptr);
}

void Recorder::record(const Op& event) {
  std::lock_guard<std::mutex> lock(mutex_);
  RecorderCounts& c = counts_;
  std::string fault;
  if (event.process != kNemesisProcess) {
    switch (event.type) {
      case EventType::kInvoke: ++c.invokes; break;
      case EventType::kOk: ++c.ok; break;
      case EventType::kFail: ++c.fail; break;
      case EventType::kInfo: ++c.info; break;
    }
  } else if (event.type != EventType::kInvoke) {
    if (fault_name(event.f, "start-", &fault)) c.active_faults.insert(fault);
    if (fault_name(event.f, "stop-", &fault)) c.active_faults.erase(fault);
    if (event.f == "heal") c.active_faults.clear();
  }
  queue_.push_back(event);
}

RecorderCounts Recorder::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

void Recorder::writer_loop() {
  std::vector<Op> batch;
  for (;;) {
    bool closing;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_for(lock, options_.flush_interval, [&] { return closing_; });
      batch.swap(queue_);
      closing = closing_;
    }
    write_batch(batch);
    batch.clear();
    // Closing: the store gets its whole backlog; otherwise at most its rate.
    store_backlog(closing ? SIZE_MAX : store_quota());
    if (closing) return;
  }
}

void Recorder::write_batch(const std::vector<Op>& batch) {
  if (batch.empty()) return;
  buffer_.clear();
  for (const Op& op : batch) append_event(op, &history_, fd_ >= 0 ? &buffer_ : nullptr);
  for (size_t done = 0; fd_ >= 0 && done < buffer_.size();) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (error_.is_ok())
        error_ =
            Status::io_error(fmt::format("{}: write failed: {}", history_.source, strerror(errno)));
      break;
    }
    done += static_cast<size_t>(n);
  }
}

size_t Recorder::store_quota() const {
  if (options_.store_events_per_second == 0) return SIZE_MAX;
  const auto per_interval =
      options_.store_events_per_second * options_.flush_interval.count() / 1000;
  return std::max<size_t>(1, per_interval);
}

void Recorder::store_backlog(size_t limit) {
  if (store_ == nullptr || !error_.is_ok()) return;
  const size_t count = std::min(limit, history_.events.size() - stored_);
  if (count == 0) return;
  Status st = store_->append_events(run_id_, history_, stored_, count);
  if (st.is_ok()) st = store_->flush();
  if (!st.is_ok()) {
    error_ = st;
    return;
  }
  stored_ += count;
}

Status Recorder::close(History* history) {
  if (!closed_) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closing_ = true;
    }
    wake_.notify_one();
    writer_.join();
    if (fd_ >= 0 && ::fsync(fd_) != 0 && error_.is_ok())
      error_ = Status::io_error(fmt::format("{}: fsync: {}", history_.source, strerror(errno)));
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    closed_ = true;
  }
  if (history != nullptr) *history = std::move(history_);
  return error_;
}

}  // namespace faultline
