// bench_decide: how long the pure decision path of a failover takes —
// Decide() + MakePlan() — for hosts with N = 4, 16, 64, 256, 1024 managed NICs and
// N/2 active-backup bridges, in two cases:
//   settled   nothing to do (the plan is empty): the cost of every event that
//             changes nothing, paid on each link notification;
//   failover  the active NIC of one bridge just lost carrier (plan: detach,
//             attach, announce): the decision time inside a failover's outage.
// Baseline, measured in the same run for the same host: copying the
// ObservedState, the cheapest operation that touches the whole state. The ratio
// says how many whole-state copies one decision is worth, which carries across
// machines better than nanoseconds do.
//
// Each case is timed in slices that take turns (baseline, settled, failover,
// baseline, ...), so a noisy moment on a shared machine hits all of them. One
// sample times k consecutive calls, k chosen so a sample lasts at least 20 µs
// (the clock's own cost stays under 1 %); the sample is the time per call.
// Prints median, p99 and median/baseline-median per case, then peak RSS.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "bench_stats.h"
#include "decide_host.h"

namespace failoverd::bench {
namespace {

constexpr double kMinSampleNs = 20'000;
constexpr double kWarmupSeconds = 0.05;
constexpr double kSecondsPerCase = 0.6;
constexpr int kSlices = 10;
constexpr size_t kMaxSamplesPerCase = 50'000;

// Keeps the compiler from dropping a computation whose result is unused.
template <typename T>
inline void KeepAlive(const T& value) {
  asm volatile("" : : "r"(&value) : "memory");
}

struct Case {
  std::string name;
  std::function<size_t()> run;  // one call; returns something to keep alive
  int calls_per_sample = 1;
  Samples ns_per_call;
};

double TimeCalls(Case& c, int calls) {
  const auto start = BenchClock::now();
  for (int i = 0; i < calls; ++i) {
    const size_t result = c.run();
    KeepAlive(result);
  }
  return ElapsedNs(start, BenchClock::now());
}

// Warms the caches and the allocator up, then picks calls_per_sample.
void Prepare(Case& c) {
  const auto warm_until = BenchClock::now() + std::chrono::duration<double>(kWarmupSeconds);
  double one = 0;
  while (BenchClock::now() < warm_until) one = TimeCalls(c, 1);
  c.calls_per_sample = std::max(1, static_cast<int>(kMinSampleNs / std::max(one, 1.0)) + 1);
}

void CollectSlice(Case& c, double seconds) {
  const auto until = BenchClock::now() + std::chrono::duration<double>(seconds);
  while (BenchClock::now() < until && c.ns_per_call.size() < kMaxSamplesPerCase)
    c.ns_per_call.Add(TimeCalls(c, c.calls_per_sample) / c.calls_per_sample);
}

// Aborts unless `host` plans exactly `expected`: a case that is not what it says
// would give numbers about something else.
void Expect(const DecideHost& host, const std::string& expected, const char* what, int n) {
  const std::string got = DescribePlan(host.DecideAndPlan());
  if (got == expected) return;
  std::fprintf(stderr, "bench_decide: N=%d %s: plan is \"%s\", expected \"%s\"\n", n, what, got.c_str(),
               expected.c_str());
  std::exit(1);
}

void RunHost(int n) {
  const DecideHost settled = MakeSettledHost(n);
  DecideHost failover = MakeSettledHost(n);
  LoseCarrierOfFirstActive(failover);
  Expect(settled, "(empty)", "settled", n);
  Expect(failover, "detach hweth0>lan0, attach hweth1>lan0, announce hweth1>lan0", "failover", n);

  std::vector<Case> cases(3);
  cases[0].name = "baseline: copy ObservedState";
  cases[0].run = [&settled] {
    const core::ObservedState copy = settled.observed;
    return copy.links().size();
  };
  cases[1].name = "settled: Decide+MakePlan";
  cases[1].run = [&settled] { return settled.DecideAndPlan().actions.size(); };
  cases[2].name = "failover: Decide+MakePlan";
  cases[2].run = [&failover] { return failover.DecideAndPlan().actions.size(); };
  for (Case& c : cases) Prepare(c);
  for (int slice = 0; slice < kSlices; ++slice)
    for (Case& c : cases) CollectSlice(c, kSecondsPerCase / kSlices);

  const double baseline = cases[0].ns_per_call.Median();
  for (const Case& c : cases) {
    std::printf("%4d %4d %5zu  %-30s %12.0f %12.0f %8.2f %8zu x %d\n", n, n / 2, settled.observed.links().size(),
                c.name.c_str(), c.ns_per_call.Median(), c.ns_per_call.P99(), Ratio(c.ns_per_call.Median(), baseline),
                c.ns_per_call.size(), c.calls_per_sample);
  }
  std::fflush(stdout);
}

}  // namespace
}  // namespace failoverd::bench

int main() {
  std::printf("bench_decide: Decide() + MakePlan() per call; ratio = median / median of the baseline\n");
  std::printf("(copying the ObservedState of the same host, measured in the same run, in alternating slices)\n");
  std::printf("%4s %4s %5s  %-30s %12s %12s %8s %8s\n", "N", "B", "links", "case", "median_ns", "p99_ns", "ratio",
              "samples x calls");
  for (int n : {4, 16, 64, 256, 1024}) failoverd::bench::RunHost(n);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("peak RSS: %ld KiB (getrusage ru_maxrss)\n", usage.ru_maxrss);
  return 0;
}
