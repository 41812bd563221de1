#include "harness/sim/task.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "harness/sim/event_loop.h"

namespace faultline::sim {
namespace {

// Counts its live copies, so a test sees every construction and destruction.
struct Tracked {
  explicit Tracked(int* live) : live(live) { ++*live; }
  Tracked(const Tracked& other) : live(other.live) { ++*live; }
  Tracked(Tracked&& other) noexcept : live(other.live) { ++*live; }
  ~Tracked() { --*live; }
  int* live;
};

TEST(Task, RunsACallableHeldInPlaceAndDestroysItOnce) {
  int live = 0;
  int runs = 0;
  {
    Tracked t(&live);
    Task task = [t, &runs] { ++runs; };
    EXPECT_EQ(live, 2);
    Task moved = std::move(task);
    EXPECT_FALSE(task);  // NOLINT(bugprone-use-after-move): moving empties it
    EXPECT_TRUE(moved);
    EXPECT_EQ(live, 2);
    moved();
    moved();
    EXPECT_EQ(runs, 2);
  }
  EXPECT_EQ(live, 0);
}

TEST(Task, KeepsALargeCallableOnTheHeapWithTheSameContract) {
  int live = 0;
  std::array<char, 2 * Task::kInline> big{};
  big[0] = 'x';
  std::string seen;
  {
    Tracked t(&live);
    Task task = [t, big, &seen] { seen.push_back(big[0]); };
    Task moved;
    moved = std::move(task);
    EXPECT_EQ(live, 2);  // moving the pointer copies nothing
    moved();
    EXPECT_EQ(seen, "x");
    moved.reset();
    EXPECT_FALSE(moved);
    EXPECT_EQ(live, 1);
  }
  EXPECT_EQ(live, 0);
}

TEST(Task, TakesMoveOnlyCallables) {
  auto value = std::make_unique<int>(7);
  int got = 0;
  Task task = [value = std::move(value), &got] { got = *value; };
  task();
  EXPECT_EQ(got, 7);
}

// The loop's slots move their tasks when they grow: a task scheduled by a
// running task (into the slot just freed, or a new one) runs in order.
TEST(EventLoop, RunsTasksInTimeThenSchedulingOrderWhileTheyScheduleMore) {
  EventLoop loop;
  std::vector<std::string> order;
  auto payload = std::make_shared<std::string>("p");
  loop.at(20, [&order, payload] { order.push_back("b" + *payload); });
  loop.at(10, [&] {
    order.push_back("a");
    for (int i = 0; i < 50; ++i)
      loop.after(10, [&order, i] {
        if (i == 0 || i == 49) order.push_back("c" + std::to_string(i));
      });
  });
  while (loop.next_time() != kNever) loop.run_next();
  EXPECT_EQ(order, (std::vector<std::string>{"a", "bp", "c0", "c49"}));
  EXPECT_EQ(loop.now(), 20);
  EXPECT_EQ(payload.use_count(), 1);  // the task that held it is gone
}

}  // namespace
}  // namespace faultline::sim
