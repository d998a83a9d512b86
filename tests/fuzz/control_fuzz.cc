// libFuzzer target: every input is a request line as a client may send it. ParseRequest
// answers every line (an error says why); a request it accepts is words that travel
// as one word each and come back the same through FormatRequest. The option takers of
// the commands (confirm=, force, session=) then take whatever the words hold: each
// answers (an error for a repeated or empty option), and what they leave are words
// still. Any other outcome aborts the run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "failoverd/control/control_protocol.h"
#include "failoverd/control/request_options.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const auto request = failoverd::ParseRequest(line);
  if (!request.ok()) {
    Check(!request.message().empty());
    return 0;
  }
  Check(!request->words.empty());
  for (const std::string& word : request->words) Check(failoverd::IsValidWord(word));
  const auto again = failoverd::ParseRequest(failoverd::FormatRequest(request->words));
  Check(again.ok() && again->words == request->words);

  std::vector<std::string> words = request->words;
  const size_t before = words.size();
  auto confirm = failoverd::TakeOption(words, "confirm");
  if (confirm.ok() && confirm->has_value()) Check(!(*confirm)->empty());
  auto force = failoverd::TakeFlag(words, "force");
  auto session = failoverd::TakeSession(words);
  if (!confirm.ok()) Check(!confirm.message().empty());
  if (!force.ok()) Check(!force.message().empty());
  if (!session.ok()) Check(!session.message().empty());
  Check(!words.empty() && words.size() <= before && words.front() == request->words.front());
  for (const std::string& word : words) Check(failoverd::IsValidWord(word));
  return 0;
}
