#include "failoverd/control/control_protocol.h"

#include <string>
#include <utility>

namespace failoverd {
namespace {

bool IsControlChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

std::string Dump(const nlohmann::json& value) {
  // error_handler_t::replace: a stray non-UTF-8 byte (an odd LLDP string, say)
  // must not turn a reply into an exception.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Result<Request> ParseRequest(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (line.size() + 1 > kMaxRequestBytes) {
    return Status::Error("request longer than " + std::to_string(kMaxRequestBytes) + " bytes");
  }
  if (line.empty()) return Status::Error("empty request");

  Request request;
  size_t start = 0;
  while (true) {
    const size_t space = line.find(' ', start);
    const std::string_view word = line.substr(
        start, space == std::string_view::npos ? std::string_view::npos : space - start);
    if (word.empty()) return Status::Error("request words must be separated by single spaces");
    for (char c : word) {
      if (IsControlChar(c)) return Status::Error("control character in request");
    }
    request.words.emplace_back(word);
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return request;
}

// The envelopes are assembled by hand so that their keys come out in the
// documented order ("ok" first) without copying the result into an ordered_json.
std::string FormatOk(const nlohmann::json& result) {
  return "{\"ok\":true,\"result\":" + Dump(result) + "}\n";
}

std::string FormatError(std::string_view message) {
  return "{\"ok\":false,\"error\":" + Dump(std::string(message)) + "}\n";
}

std::string FormatReply(const Reply& reply) {
  return reply.ok ? FormatOk(reply.result) : FormatError(reply.error);
}

std::string FormatEvent(const nlohmann::json& event) { return "{\"event\":" + Dump(event) + "}\n"; }

}  // namespace failoverd
