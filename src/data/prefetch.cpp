// prefetch: one producer thread per pass runs the input stages into a bounded queue. The consumer
// takes elements in order; an exception in the producer travels through the queue's end and is
// rethrown by the consumer; destroying the pass early stops the producer and joins it.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "data/dataset_nodes.hpp"

namespace nabla::datasets::detail {
namespace {

// What the two threads share; guarded by `mutex`.
struct Channel {
  std::mutex mutex;
  std::condition_variable not_full;   // the producer waits here
  std::condition_variable not_empty;  // the consumer waits here
  std::deque<Element> queue;
  size_t capacity = 1;
  bool stop = false;      // set by the consumer: stop producing
  bool finished = false;  // set by the producer: nothing more will be queued
  std::exception_ptr error;
};

void produce(Channel& channel, const Node& input) {
  try {
    const std::unique_ptr<Cursor> cursor = input.open();
    while (true) {
      std::optional<Element> element = cursor->next();
      if (!element.has_value()) break;
      std::unique_lock lock(channel.mutex);
      channel.not_full.wait(
          lock, [&] { return channel.stop || channel.queue.size() < channel.capacity; });
      if (channel.stop) break;
      channel.queue.push_back(std::move(*element));
      lock.unlock();
      channel.not_empty.notify_one();
    }
  } catch (...) {
    const std::lock_guard lock(channel.mutex);
    channel.error = std::current_exception();
  }
  {
    const std::lock_guard lock(channel.mutex);
    channel.finished = true;
  }
  channel.not_empty.notify_all();
}

class PrefetchCursor final : public Cursor {
 public:
  PrefetchCursor(std::shared_ptr<const Node> input, size_t capacity) {
    channel_.capacity = capacity;
    producer_ = std::thread([this, node = std::move(input)] { produce(channel_, *node); });
  }
  ~PrefetchCursor() override {
    {
      const std::lock_guard lock(channel_.mutex);
      channel_.stop = true;
    }
    channel_.not_full.notify_all();
    producer_.join();  // waits at most for the element being computed
  }
  PrefetchCursor(const PrefetchCursor&) = delete;
  PrefetchCursor& operator=(const PrefetchCursor&) = delete;

  std::optional<Element> next() override {
    std::unique_lock lock(channel_.mutex);
    channel_.not_empty.wait(lock, [&] { return !channel_.queue.empty() || channel_.finished; });
    if (!channel_.queue.empty()) {
      Element element = std::move(channel_.queue.front());
      channel_.queue.pop_front();
      lock.unlock();
      channel_.not_full.notify_one();
      return element;
    }
    if (channel_.error != nullptr) std::rethrow_exception(std::exchange(channel_.error, nullptr));
    return std::nullopt;
  }

 private:
  Channel channel_;
  std::thread producer_;  // started last, after channel_ is ready
};

class PrefetchNode final : public Node {
 public:
  PrefetchNode(std::shared_ptr<const Node> input, size_t capacity)
      : input_(std::move(input)), capacity_(capacity) {}
  [[nodiscard]] std::unique_ptr<Cursor> open() const override {
    return std::make_unique<PrefetchCursor>(input_, capacity_);
  }
  [[nodiscard]] int64_t cardinality() const override { return input_->cardinality(); }

 private:
  std::shared_ptr<const Node> input_;
  size_t capacity_;
};

}  // namespace

std::shared_ptr<const Node> make_prefetch_node(std::shared_ptr<const Node> input,
                                               size_t buffer_size) {
  return std::make_shared<PrefetchNode>(std::move(input), buffer_size);
}

}  // namespace nabla::datasets::detail
