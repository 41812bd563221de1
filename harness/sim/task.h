// Task: a move-only `void()` callable for the simulation's events, held in
// place when it fits kInline bytes and on the heap otherwise.
//
// Why not std::function: it keeps only 16 bytes of trivially copyable state
// in place, so nearly every event of a simulation (a message's delivery
// holds a shared_ptr, a reply a string, a request its command) cost an
// allocation and a free, and it demands copyable callables. The sizes below
// fit every event the simulator schedules per message or per operation.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace faultline::sim {

class Task {
 public:
  static constexpr size_t kInline = 64;

  Task() = default;
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Task> &&
                                                    std::is_invocable_r_v<void, std::decay_t<F>&>>>
  Task(F&& f) {  // NOLINT(google-explicit-constructor): a lambda is a Task
    using Fn = std::decay_t<F>;
    if constexpr (kInPlace<Fn>) {
      ::new (static_cast<void*>(buffer_)) Fn(std::forward<F>(f));
      ops_ = &kInPlaceOps<Fn>;
    } else {
      ::new (static_cast<void*>(buffer_)) Fn*(new Fn(std::forward<F>(f)));
      ops_ = &kHeapOps<Fn>;
    }
  }
  Task(Task&& other) noexcept { take(other); }
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  explicit operator bool() const { return ops_ != nullptr; }
  void operator()() { ops_->call(buffer_); }
  void reset() {
    if (ops_ != nullptr) ops_->destroy(buffer_);
    ops_ = nullptr;
  }

 private:
  struct Ops {
    void (*call)(void* self);
    void (*move)(void* from, void* to);  // constructs `to` from `from`, then destroys `from`
    void (*destroy)(void* self);
  };
  template <typename Fn>
  static constexpr bool kInPlace = sizeof(Fn) <= kInline &&
                                   alignof(Fn) <= alignof(std::max_align_t) &&
                                   std::is_nothrow_move_constructible_v<Fn>;
  template <typename Fn>
  static constexpr Ops kInPlaceOps = {
      [](void* self) { (*static_cast<Fn*>(self))(); },
      [](void* from, void* to) {
        ::new (to) Fn(std::move(*static_cast<Fn*>(from)));
        static_cast<Fn*>(from)->~Fn();
      },
      [](void* self) { static_cast<Fn*>(self)->~Fn(); },
  };
  template <typename Fn>
  static constexpr Ops kHeapOps = {
      [](void* self) { (**static_cast<Fn**>(self))(); },
      [](void* from, void* to) { ::new (to) Fn*(*static_cast<Fn**>(from)); },
      [](void* self) { delete *static_cast<Fn**>(self); },
  };

  void take(Task& other) {
    if (other.ops_ == nullptr) return;
    other.ops_->move(other.buffer_, buffer_);
    ops_ = std::exchange(other.ops_, nullptr);
  }

  alignas(std::max_align_t) unsigned char buffer_[kInline];
  const Ops* ops_ = nullptr;
};

}  // namespace faultline::sim
