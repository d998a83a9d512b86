// Entry points of the policy parser: TOML syntax first (one error, toml++
// stops there), then the schema through the sections' key tables (every
// problem), then the rules across bridges.
#include "policy/policy_parser.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <new>

#include "policy/sections.h"

namespace failoverd::policy {

namespace {

using detail::Diagnostics;
using detail::KeySpec;
using detail::KeyValue;

// The policy while it is being read: bridges keep their key positions until
// the checks across bridges have run.
struct PolicyDraft {
  Policy policy;
  std::vector<detail::ParsedBridge> bridges;
};

using Draft = PolicyDraft;

constexpr KeySpec<Draft> kTopLevelKeys[] = {
    {"daemon", [](const KeyValue& v, Draft& d) { detail::ReadDaemonSection(v, d.policy.daemon); }},
    {"nics", [](const KeyValue& v, Draft& d) { detail::ReadNicsSection(v, d.policy.nics); }},
    {"bridge", [](const KeyValue& v, Draft& d) { d.bridges = detail::ReadBridgeSections(v); }},
};

// toml++ says "Error while parsing key-value pair: expected value, saw '\n'";
// our messages are lower case and on one line.
std::string SyntaxMessage(std::string_view description) {
  std::string message;
  for (const char c : description) {
    if (c == '\n')
      message += "\\n";
    else if (c == '\r')
      message += "\\r";
    else if (c == '\t')
      message += "\\t";
    else
      message += c;
  }
  if (!message.empty() && message[0] >= 'A' && message[0] <= 'Z')
    message[0] = static_cast<char>(message[0] - 'A' + 'a');
  return message;
}

void ParseInto(std::string_view text, const std::string& path, Diagnostics& diag,
               ParseResult& result) {
  toml::table document;
  try {
    document = toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    diag.Add({static_cast<int>(begin.line), static_cast<int>(begin.column)},
             SyntaxMessage(error.description()));
    return;
  }

  PolicyDraft draft;
  draft.policy.source_path = path;
  detail::ApplyKeyTable(document, kTopLevelKeys, "at top level", diag, draft);
  detail::CheckAcrossBridges(draft.bridges, draft.policy.nics.prefix, diag);
  if (diag.size() != 0) return;

  for (auto& parsed : draft.bridges) draft.policy.bridges.push_back(std::move(parsed.bridge));
  result.policy = std::move(draft.policy);
}

}  // namespace

std::string Diagnostic::ToString() const {
  return path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

ParseResult ParsePolicyText(std::string_view text, const std::string& path) {
  Diagnostics diag(path);
  ParseResult result;
  try {
    ParseInto(text, path, diag, result);
  } catch (const std::exception& error) {
    // Only allocation failure is expected here; callers rely on no exception
    // escaping (a reload must never take the daemon down).
    result.policy.reset();
    diag.Add({0, 0}, std::string("cannot parse policy: ") + error.what());
  }
  result.errors = diag.TakeSorted();
  return result;
}

ParseResult ParsePolicyFile(const std::string& path) {
  std::string text;
  int read_errno = 0;
  try {
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                               &std::fclose);
    if (!file) {
      read_errno = errno;
    } else {
      char buffer[8192];
      size_t n = 0;
      errno = 0;
      while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, n);
      // fopen succeeds on a directory; the read then fails with EISDIR.
      if (std::ferror(file.get())) read_errno = errno != 0 ? errno : EIO;
    }
  } catch (const std::bad_alloc&) {  // a policy too large for memory
    read_errno = ENOMEM;
  }
  if (read_errno != 0) {
    ParseResult result;
    result.errors.push_back(
        Diagnostic{path, 0, 0, std::string("cannot read policy: ") + std::strerror(read_errno)});
    return result;
  }
  return ParsePolicyText(text, path);
}

}  // namespace failoverd::policy
