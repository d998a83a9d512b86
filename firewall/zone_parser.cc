// Reading zone fragments: zones/NAME.nft holds `input { ... }` and/or
// `forward { ... }` blocks with one nft rule statement per line. A rule is
// later emitted as one `add rule` command, so anything that could end that
// command or open another (';', braces, table/chain/flush/delete) is refused
// here, with the file, line and column of the offending character.
#include <cerrno>
#include <filesystem>
#include <set>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "failoverd/common/file_read.h"
#include "firewall/firewall.h"
#include "firewall/shipped_zones.h"

namespace failoverd::firewall {
namespace {

constexpr std::string_view kBlank = " \t\r\v\f";
constexpr std::string_view kForbiddenWords[] = {"table", "chain", "flush", "delete"};

// One line with its comment removed: `code` starts at 0-based column `column`
// of the line and has no surrounding blanks. Quoted strings are kept intact.
struct CodeLine {
  std::string_view code;
  size_t column = 0;
  std::optional<size_t> unterminated_quote;  // 0-based column of the opening '"'
};

CodeLine StripComment(std::string_view line) {
  CodeLine out;
  bool in_quote = false;
  size_t quote_at = 0;
  size_t end = line.size();
  for (size_t i = 0; i < line.size(); ++i) {
    // nft strings are "..." with no escapes; '#' inside one is not a comment.
    if (line[i] == '"') {
      in_quote = !in_quote;
      quote_at = i;
    } else if (line[i] == '#' && !in_quote) {
      end = i;
      break;
    }
  }
  if (in_quote) out.unterminated_quote = quote_at;
  std::string_view code = line.substr(0, end);
  size_t first = code.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return out;
  size_t last = code.find_last_not_of(kBlank);
  out.code = code.substr(first, last - first + 1);
  out.column = first;
  return out;
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-';
}

bool IsWord(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsWordChar(c)) return false;
  }
  return true;
}

std::string_view TrimRight(std::string_view text) {
  size_t last = text.find_last_not_of(kBlank);
  return last == std::string_view::npos ? std::string_view() : text.substr(0, last + 1);
}

// If `code` is `WORD {`, the word.
std::optional<std::string_view> BlockHeader(std::string_view code) {
  if (code.empty() || code.back() != '{') return std::nullopt;
  std::string_view word = TrimRight(code.substr(0, code.size() - 1));
  if (!IsWord(word)) return std::nullopt;
  return word;
}

// Parses one fragment. Collects every problem rather than stopping at the
// first, so an administrator can fix a file in one pass. Lives for one call.
class ZoneParser {
 public:
  ZoneParser(const std::string& name, const std::string& path) : path_(path) {
    zone_.name = name;
    zone_.path = path;
  }

  Result<ZoneFragment> Parse(std::string_view text) {
    size_t line_no = 0;
    size_t start = 0;
    while (start <= text.size()) {
      size_t nl = text.find('\n', start);
      size_t end = nl == std::string_view::npos ? text.size() : nl;
      ++line_no;
      ParseLine(line_no, text.substr(start, end - start));
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
    if (depth_ > 0) {
      Error(open_line_, open_column_,
            "'{' of block '" + open_block_ + "' is never closed");
    }
    if (!errors_.empty()) {
      std::string message;
      for (const std::string& e : errors_) {
        if (!message.empty()) message += '\n';
        message += e;
      }
      return Status::Error(message);
    }
    return zone_;
  }

 private:
  // Which list the rules of the current block go to; none for a block that
  // was already reported as wrong (its content is skipped).
  enum class Block { kNone, kInput, kForward };

  void ParseLine(size_t line_no, std::string_view line) {
    CodeLine cl = StripComment(line);
    std::string_view code = cl.code;
    if (code.empty()) return;
    size_t col = cl.column;

    if (code == "}") {
      if (depth_ == 0) {
        Error(line_no, col, "'}' without a matching '{'");
        return;
      }
      if (--depth_ == 0) block_ = Block::kNone;
      return;
    }
    if (std::optional<std::string_view> word = BlockHeader(code)) {
      OpenBlock(line_no, col, *word, col + code.size() - 1);
      return;
    }
    if (depth_ == 0) {
      ReportOutsideBlock(line_no, col, code);
      return;
    }
    if (depth_ > 1 || block_ == Block::kNone) return;  // inside a reported block
    if (CheckRule(line_no, cl)) {
      (block_ == Block::kInput ? zone_.input_rules : zone_.forward_rules).emplace_back(code);
      (block_ == Block::kInput ? zone_.input_at : zone_.forward_at)
          .push_back({static_cast<int>(line_no), static_cast<int>(col + 1)});
    }
  }

  void OpenBlock(size_t line_no, size_t col, std::string_view word, size_t brace_col) {
    if (depth_ > 0) {
      if (depth_ == 1) {
        Error(line_no, col, "blocks cannot be nested: '" + std::string(word) +
                                "' inside '" + open_block_ + "'");
      }
      ++depth_;
      return;
    }
    depth_ = 1;
    open_block_ = std::string(word);
    open_line_ = line_no;
    open_column_ = brace_col;
    block_ = Block::kNone;
    size_t* seen = nullptr;
    if (word == "input") {
      seen = &input_line_;
    } else if (word == "forward") {
      seen = &forward_line_;
    } else {
      Error(line_no, col, "unknown block '" + std::string(word) +
                              "' (expected 'input' or 'forward')");
      return;
    }
    if (*seen != 0) {
      Error(line_no, col, "block '" + std::string(word) + "' appears twice (first on line " +
                              std::to_string(*seen) + ")");
      return;
    }
    *seen = line_no;
    block_ = word == "input" ? Block::kInput : Block::kForward;
  }

  void ReportOutsideBlock(size_t line_no, size_t col, std::string_view code) {
    size_t brace = code.find('{');
    if (brace != std::string_view::npos && IsWord(TrimRight(code.substr(0, brace)))) {
      size_t after = code.find_first_not_of(kBlank, brace + 1);
      Error(line_no, col + after, "'{' must end its line: put each rule on a line of its own");
      // Keep the braces balanced for the lines that follow.
      if (code.find('}', brace) == std::string_view::npos) {
        depth_ = 1;
        block_ = Block::kNone;
        open_block_ = std::string(TrimRight(code.substr(0, brace)));
        open_line_ = line_no;
        open_column_ = col + brace;
      }
      return;
    }
    if (code == "input" || code == "forward") {
      Error(line_no, col + code.size(),
            "expected '{' after '" + std::string(code) + "' on the same line");
      return;
    }
    Error(line_no, col, "text outside a block: rules belong in 'input { ... }' or 'forward { ... }'");
  }

  // Returns whether the rule can be emitted as a single `add rule` command.
  bool CheckRule(size_t line_no, const CodeLine& cl) {
    if (cl.unterminated_quote) {
      Error(line_no, *cl.unterminated_quote, "unterminated string");
      return false;
    }
    std::string_view code = cl.code;
    bool in_quote = false;
    size_t word_start = std::string_view::npos;
    for (size_t i = 0; i <= code.size(); ++i) {
      char c = i < code.size() ? code[i] : ' ';
      // Checked inside strings too: the script reaches libnftables as a C string,
      // so a NUL would silently cut off everything after it.
      const auto byte = static_cast<unsigned char>(c);
      if ((byte < 0x20 || byte == 0x7f) && kBlank.find(c) == std::string_view::npos) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", byte);
        Error(line_no, cl.column + i,
              std::string("control character ") + hex + " is not allowed in a rule");
        return false;
      }
      if (c == '"') in_quote = !in_quote;
      if (in_quote) continue;
      if (c == ';') {
        Error(line_no, cl.column + i, "';' is not allowed in a rule: one statement per line");
        return false;
      }
      if (c == '{' || c == '}') {
        Error(line_no, cl.column + i,
              std::string("'") + c + "' is not allowed in a rule (no braces in zone rules)");
        return false;
      }
      bool blank = kBlank.find(c) != std::string_view::npos;
      if (!blank && word_start == std::string_view::npos) word_start = i;
      if (blank && word_start != std::string_view::npos) {
        std::string_view word = code.substr(word_start, i - word_start);
        for (std::string_view forbidden : kForbiddenWords) {
          if (word == forbidden) {
            Error(line_no, cl.column + word_start,
                  "'" + std::string(word) + "' is not allowed in a zone rule");
            return false;
          }
        }
        word_start = std::string_view::npos;
      }
    }
    return true;
  }

  // `column` is 0-based; messages count lines and columns from 1.
  void Error(size_t line_no, size_t column, const std::string& message) {
    errors_.push_back(path_ + ":" + std::to_string(line_no) + ":" + std::to_string(column + 1) +
                      ": " + message);
  }

  std::string path_;
  ZoneFragment zone_;
  std::vector<std::string> errors_;
  size_t depth_ = 0;
  Block block_ = Block::kNone;
  std::string open_block_;
  size_t open_line_ = 0;
  size_t open_column_ = 0;
  size_t input_line_ = 0;
  size_t forward_line_ = 0;
};

}  // namespace

Result<ZoneFragment> ParseZone(const std::string& text, const std::string& name,
                               const std::string& path) {
  return ZoneParser(name, path).Parse(text);
}

std::vector<std::string> AvailableZones(const std::string& zones_dir) {
  std::set<std::string> names;
  for (const std::string_view shipped : ShippedZoneNames()) names.emplace(shipped);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(zones_dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.size() > 4 && file.ends_with(".nft") && CheckZoneName(file.substr(0, file.size() - 4)))
      names.insert(file.substr(0, file.size() - 4));
  }
  return {names.begin(), names.end()};
}

Result<ZoneFragment> LoadZone(const std::string& zones_dir, const std::string& name) {
  if (Status s = CheckZoneName(name); !s.ok()) return s;
  std::string path = zones_dir;
  if (!path.empty() && path.back() != '/') path += '/';
  path += name + ".nft";

  // Never blocks (a FIFO or device is refused before a byte is read) and never reads
  // more than a zone can be.
  auto text = ReadRegularFile(path, kMaxConfigFileBytes);
  if (!text) {
    // Not installed (yet): a shipped zone falls back to the copy built into failoverd.
    // A file in zones_dir always wins, so administrators can change any zone.
    if (text.message().ends_with(std::strerror(ENOENT)))
      if (auto shipped = ShippedZoneText(name)) return ParseZone(std::string(*shipped), name, "(built-in)/" + name + ".nft");
    std::string why = text.message();
    if (why.rfind(path + ": ", 0) == 0) why.erase(0, path.size() + 2);
    return Status::Error(path + ": cannot read zone '" + name + "': " + why);
  }
  return ParseZone(*text, name, path);
}

}  // namespace failoverd::firewall
