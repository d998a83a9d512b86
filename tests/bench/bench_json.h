// One benchmark series as a line of JSON: name, what was timed, the number of
// runs, median, p99 and max (nearest rank, see Samples) and every sample, for
// tests/bench/run_failover_bench.sh to pair with its baseline (jq).
#pragma once

#include <cstdio>
#include <string>

#include "bench_stats.h"

namespace failoverd::bench {

inline std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;  // the names printed here have no control characters
    out += c;
  }
  return out + "\"";
}

// {"name":..., "what":..., "unit":..., "runs":N, "median_<unit>":..., "p99_<unit>":..., "max_<unit>":..., "samples":[...]}
inline void PrintSeries(const std::string& name, const std::string& what, const Samples& samples,
                        const std::string& unit = "ms") {
  std::string line = "{\"name\":" + JsonString(name) + ",\"what\":" + JsonString(what) + ",\"unit\":" +
                     JsonString(unit) + ",\"runs\":" + std::to_string(samples.size());
  char number[64];
  const auto field = [&](const char* key, double value) {
    std::snprintf(number, sizeof number, ",\"%s_%s\":%.3f", key, unit.c_str(), value);
    line += number;
  };
  field("median", samples.Median());
  field("p99", samples.P99());
  field("max", samples.Max());
  line += ",\"samples\":[";
  for (size_t i = 0; i < samples.values().size(); ++i) {
    std::snprintf(number, sizeof number, "%s%.3f", i ? "," : "", samples.values()[i]);
    line += number;
  }
  line += "]}";
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace failoverd::bench
