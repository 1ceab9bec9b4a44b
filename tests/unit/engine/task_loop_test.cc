// TaskLoop: tasks run on the loop thread in order, Call waits for the reply, re-entrant calls
// answer synchronously, Wake runs the alert hook, and Stop still answers what was queued.
#include "engine/task_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <vector>

namespace shoal::engine {
namespace {

TEST(TaskLoop, RunsPostedTasksInOrderOnItsThread) {
  TaskLoop loop;
  std::thread::id loop_thread;
  loop.Start({[&] { loop_thread = std::this_thread::get_id(); }, {}, {}, {}});
  std::vector<int> order;
  std::atomic<bool> on_loop{true};
  for (int i = 0; i < 100; ++i) {
    loop.Post([&, i] {
      order.push_back(i);
      on_loop = on_loop && std::this_thread::get_id() == loop_thread;
    });
  }
  EXPECT_EQ(loop.Call([](TaskLoop::Reply reply) { reply(hr::kOk); }), hr::kOk);
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
  EXPECT_TRUE(on_loop);
  EXPECT_NE(loop_thread, std::this_thread::get_id());
}

TEST(TaskLoop, CallReturnsTheReplyEvenWhenItComesLater) {
  TaskLoop loop;
  loop.Start({});
  TaskLoop::Reply saved;
  const hr::HResult h = loop.Call([&](TaskLoop::Reply reply) {
    saved = reply;
    // Answered by a later task, as Cancel answers once the swarm let go of the files.
    loop.Post([&] { saved(hr::kBgSPartialComplete); });
  });
  EXPECT_EQ(h, hr::kBgSPartialComplete);
}

TEST(TaskLoop, ReentrantCallAnswersSynchronouslyOrUnexpected) {
  TaskLoop loop;
  loop.Start({});
  hr::HResult inner_sync = hr::kFail, inner_async = hr::kFail;
  loop.Call([&](TaskLoop::Reply reply) {
    EXPECT_TRUE(loop.OnLoopThread());
    inner_sync = loop.Call([](TaskLoop::Reply r) { r(hr::kFalse); });
    inner_async = loop.Call([](TaskLoop::Reply) {});  // never answered
    reply(hr::kOk);
  });
  EXPECT_EQ(inner_sync, hr::kFalse);
  EXPECT_EQ(inner_async, hr::kUnexpected);
}

TEST(TaskLoop, WakeRunsTheAlertHook) {
  TaskLoop loop(std::chrono::hours(1));  // no tick gets in the way
  std::atomic<int> alerts{0};
  loop.Start({{}, [&] { ++alerts; }, {}, {}});
  loop.Wake();
  // The hook runs after the tasks of the turn it was woken for: a Call after the Wake comes
  // back once the turn with the alert hook is over, or at the next one.
  for (int i = 0; i < 1000 && alerts == 0; ++i) {
    loop.Call([](TaskLoop::Reply r) { r(hr::kOk); });
  }
  EXPECT_GE(alerts.load(), 1);
}

TEST(TaskLoop, TicksWithoutTasks) {
  TaskLoop loop(std::chrono::milliseconds(1));
  std::atomic<int> ticks{0};
  loop.Start({{}, {}, [&] { ++ticks; }, {}});
  while (ticks < 3) std::this_thread::yield();
  SUCCEED();  // three ticks arrived with nothing posted (a hang fails the test by timeout)
}

TEST(TaskLoop, StopAnswersQueuedTasksThenRunsTheStopHook) {
  TaskLoop loop;
  std::vector<std::string> seen;
  loop.Start({{}, {}, {}, [&] { seen.push_back("stop"); }});
  std::promise<void> started;
  loop.Post([&] {
    // Queued behind this one, before Stop: still run.
    loop.Post([&] { seen.push_back("queued"); });
    started.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  });
  started.get_future().wait();
  loop.Stop();
  EXPECT_EQ(seen, (std::vector<std::string>{"queued", "stop"}));
  EXPECT_FALSE(loop.Post([] {}));
  EXPECT_EQ(loop.Call([](TaskLoop::Reply r) { r(hr::kOk); }), hr::kDoENoService);
}

}  // namespace
}  // namespace shoal::engine
