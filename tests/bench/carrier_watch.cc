#include "carrier_watch.h"

#include <poll.h>

#include <algorithm>
#include <string>

namespace failoverd::bench {

Result<BenchClock::time_point> CarrierWatch::WaitFor(int ifindex, bool carrier, std::chrono::milliseconds timeout) {
  const auto deadline = BenchClock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - BenchClock::now());
    if (left.count() < 0) break;
    pollfd pfd{monitor_.fd(), POLLIN, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(left.count()) + 1);
    const auto woke = BenchClock::now();
    if (ready <= 0) continue;
    bool overflow = false;
    for (const auto& event : monitor_.Read(&overflow)) {
      if (event.type == kernel::LinkEvent::Type::kNewOrChanged && event.link.ifindex == ifindex &&
          event.link.carrier == carrier)
        return woke;
    }
    if (overflow) return Status::Error("link notifications lost (ENOBUFS)");
  }
  return Status::Error("ifindex " + std::to_string(ifindex) + ": no carrier " + (carrier ? "up" : "down") +
                       " notification within " + std::to_string(timeout.count()) + " ms");
}

}  // namespace failoverd::bench
