// libFuzzer target: every input is the content of a state.json. Whatever it holds,
// StateStore::Load() answers (an error for what is not a state file), its names,
// networks and sections can be read, and a change saved on top of it writes a file
// that loads again and holds the change: the daemon never writes a state.json it
// could not read back. Any other outcome aborts the run.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "failoverd/runtime/crash_points.h"
#include "failoverd/state/state_store.h"

// The test-only crash points of atomic_file.cc, never armed in this target.
namespace failoverd {
bool CrashPointArmed(const char*) { return false; }
void CrashPoint(const char*) {}
}  // namespace failoverd

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// One private directory for the run (the store's file and its lock live there).
const std::string& Dir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/fod-state-fuzz.XXXXXX";
    Check(mkdtemp(pattern.data()) != nullptr);
    return pattern;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& dir = Dir();
  {
    std::ofstream file(dir + "/state.json", std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  failoverd::StateStore store(dir);
  const failoverd::Status loaded = store.Load();
  if (!loaded.ok()) Check(!loaded.message().empty());
  for (const auto& [mac, name] : store.names()) (void)name.size();
  for (const auto& [mac, network] : store.networks()) (void)network.size();
  (void)store.Section("overrides");
  (void)store.Section("pending_apply");

  const auto mac = *failoverd::MacAddress::Parse("02:00:00:00:fa:22");
  store.SetName(mac, "hweth7");
  store.SetSection("fuzz", std::string(reinterpret_cast<const char*>(data), size));  // any bytes
  Check(store.Save().ok());
  failoverd::StateStore reread(dir);
  Check(reread.Load().ok());
  Check(reread.names().count(mac) == 1 && reread.names().at(mac) == "hweth7");
  return 0;
}
