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
#include <optional>

#include "failoverd/common/file_read.h"
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
    {"interface", [](const KeyValue& v, Draft& d) { d.policy.interfaces = detail::ReadInterfaceSections(v); }},
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

// toml++ 3.3 reaches __builtin_unreachable (undefined behaviour) when it asks
// whether a non-ASCII character is whitespace, for most code points below
// U+049A (marzer/tomlplusplus#190, #295; found by tests/fuzz/policy_fuzz.cc).
// It asks wherever whitespace may stand: outside strings and comments, and
// after a line-ending backslash in a """ string. No valid policy has a non-ASCII
// character there, so those are reported here and toml++ never sees them.
std::optional<SourcePos> NonAsciiWhereTomlxxChecksWhitespace(std::string_view text) {
  enum class State { kCode, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  State state = State::kCode;
  SourcePos pos{1, 0};
  // The last character that was neither blank nor inside a string or comment ('\n' at a
  // line's start): a quote opens a string only where TOML has one — a value after '=',
  // '[', ',' or '{', a key at the start of a line or after '.'. Elsewhere ("-\"") toml++
  // fails on the quote and, reporting it, may look at the characters after it too, so
  // they count as code (found by tests/fuzz/policy_fuzz.cc).
  char last = '\n';
  auto opens_string = [&] { return std::string_view("\n=[,{.").find(last) != std::string_view::npos; };
  auto starts = [&](size_t i, std::string_view token) {
    return text.substr(i, token.size()) == token;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') {
      pos = {pos.line + 1, 0};
    } else if ((byte & 0xc0) != 0x80) {
      ++pos.column;  // toml++ counts columns in code points
    }
    switch (state) {
      case State::kCode:
        if (byte >= 0x80) return pos;
        if (byte == '#') state = State::kComment;
        if (byte == '"' && opens_string())
          state = starts(i, "\"\"\"") ? (i += 2, State::kMultiBasic) : State::kBasic;
        if (byte == '\'' && opens_string())
          state = starts(i, "\'\'\'") ? (i += 2, State::kMultiLiteral) : State::kLiteral;
        if (state == State::kMultiBasic || state == State::kMultiLiteral) pos.column += 2;
        if (byte == '\n') last = '\n';
        else if (byte != ' ' && byte != '\t' && byte != '\r') last = static_cast<char>(byte);
        break;
      case State::kComment:
        if (byte == '\n') {
          state = State::kCode;
          last = '\n';
        }
        break;
      case State::kBasic:
        if (byte == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          ++i;
          ++pos.column;
        } else if (byte == '"' || byte == '\n') {
          state = State::kCode;
          if (byte == '\n') last = '\n';
        }
        break;
      case State::kLiteral:
        if (byte == '\'' || byte == '\n') state = State::kCode;
        if (byte == '\n') last = '\n';
        break;
      case State::kMultiBasic:
        if (byte == '\\') {
          // A line-ending backslash: toml++ skips the blanks and newlines after it.
          size_t j = text.find_first_not_of(" \t\r", i + 1);
          if (j != std::string_view::npos && text[j] == '\n') {
            SourcePos at = pos;
            for (size_t k = i + 1; k < text.size(); ++k) {
              const char c = text[k];
              if (c == '\n') {
                at = {at.line + 1, 0};
              } else {
                ++at.column;
                if (c != ' ' && c != '\t' && c != '\r') {
                  if (static_cast<unsigned char>(c) >= 0x80) return at;
                  break;
                }
              }
            }
          } else if (i + 1 < text.size() && text[i + 1] != '\n') {
            ++i;
            ++pos.column;
          }
        } else if (starts(i, "\"\"\"")) {
          // Up to two more quotes may belong to the string ("""a""""" is a"").
          size_t end = i + 3;
          while (end < text.size() && end < i + 5 && text[end] == '"') ++end;
          pos.column += static_cast<int>(end - i - 1);
          i = end - 1;
          state = State::kCode;
        }
        break;
      case State::kMultiLiteral:
        if (starts(i, "\'\'\'")) {
          size_t end = i + 3;
          while (end < text.size() && end < i + 5 && text[end] == '\'') ++end;
          pos.column += static_cast<int>(end - i - 1);
          i = end - 1;
          state = State::kCode;
        }
        break;
    }
  }
  return std::nullopt;
}

void ParseInto(std::string_view text, const std::string& path, Diagnostics& diag,
               ParseResult& result) {
  if (const std::optional<SourcePos> at = NonAsciiWhereTomlxxChecksWhitespace(text)) {
    diag.Add(*at, "non-ASCII character outside a string or comment");
    return;
  }
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
  detail::CheckInterfaces(draft.policy.interfaces, draft.bridges, draft.policy.nics.prefix, diag);
  // Without a bridge, every NIC [nics] selects would be renamed and silenced with
  // nothing to carry the network: on a server, the way off the network.
  // Reported only when nothing else is wrong: it is about the policy as a whole.
  if (draft.bridges.empty() && !draft.policy.nics.include.empty() && diag.size() == 0) {
    const SourcePos at = draft.policy.nics.include_pos.line > 0 ? draft.policy.nics.include_pos : SourcePos{1, 1};
    diag.Add(at, "the policy has no [[bridge]]: the NICs [nics] include selects would be renamed and silenced "
                 "with no bridge to carry the network. Add a [[bridge]] (see examples/minimal.toml), or set "
                 "include = [] to manage no NIC");
  }
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
  // Never blocks (a FIFO or /dev/zero is refused before a byte is read) and never
  // reads more than a policy can be.
  auto text = ReadRegularFile(path, kMaxConfigFileBytes);
  if (!text) {
    ParseResult result;
    std::string why = text.message();
    if (why.rfind(path + ": ", 0) == 0) why.erase(0, path.size() + 2);  // the position names the path
    result.errors.push_back(Diagnostic{path, 0, 0, "cannot read policy: " + why});
    return result;
  }
  return ParsePolicyText(*text, path);
}

}  // namespace failoverd::policy
