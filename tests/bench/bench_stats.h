// Samples: the timings one benchmark case collected, and the two numbers the
// project quotes from them — the median and the 99th percentile. The machines
// are shared and noisy, so a mean (pulled by every stall) is never printed; a
// ratio of medians against a baseline measured in the same run is what carries
// from one run to the next.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <vector>

namespace failoverd::bench {

class Samples {
 public:
  void Add(double value) { values_.push_back(value); }
  size_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }

  double Median() const { return Quantile(0.5); }
  double P99() const { return Quantile(0.99); }
  double Max() const { return values_.empty() ? 0 : *std::max_element(values_.begin(), values_.end()); }
  const std::vector<double>& values() const { return values_; }

  // Nearest rank: the ceil(q * n)-th smallest sample (no interpolation, so every
  // number printed was really measured; with fewer than 100 samples the p99 is
  // the largest). 0 when empty.
  double Quantile(double q) const {
    if (values_.empty()) return 0;
    std::vector<double> copy = values_;
    const auto wanted = static_cast<size_t>(std::ceil(q * static_cast<double>(copy.size())));
    const size_t rank = std::clamp<size_t>(wanted, 1, copy.size()) - 1;
    std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(rank), copy.end());
    return copy[rank];
  }

 private:
  std::vector<double> values_;
};

// Ratio of two medians; 0 when the baseline has nothing to divide by.
inline double Ratio(double value, double baseline) { return baseline > 0 ? value / baseline : 0; }

using BenchClock = std::chrono::steady_clock;

inline double ElapsedNs(BenchClock::time_point from, BenchClock::time_point to) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count());
}

inline double ElapsedMs(BenchClock::time_point from, BenchClock::time_point to) {
  return ElapsedNs(from, to) / 1e6;
}

}  // namespace failoverd::bench
