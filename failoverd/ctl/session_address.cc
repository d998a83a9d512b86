#include "failoverd/ctl/session_address.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "failoverd/common/net_types.h"

namespace failoverd {

namespace {

// How far up the process tree to look (sudo, su, a shell, tmux, ...).
constexpr int kMaxAncestors = 32;

std::optional<std::string> ReadProcFile(int pid, const char* name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + name, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return text;
}

}  // namespace

std::optional<std::string> SessionAddressFromSshConnection(std::string_view value) {
  std::istringstream fields{std::string(value)};
  std::vector<std::string> words;
  for (std::string word; fields >> word;) words.push_back(word);
  if (words.size() != 4) return std::nullopt;
  std::string server = words[2];
  if (const size_t scope = server.find('%'); scope != std::string::npos) server.resize(scope);
  const auto ip = IpAddress::Parse(server);
  if (!ip) return std::nullopt;
  return ip->ToString();
}

std::optional<std::string> SshConnectionFromEnviron(std::string_view image) {
  constexpr std::string_view kName = "SSH_CONNECTION=";
  while (!image.empty()) {
    const size_t end = image.find('\0');
    const std::string_view entry = image.substr(0, end);
    if (entry.substr(0, kName.size()) == kName) return std::string(entry.substr(kName.size()));
    if (end == std::string_view::npos) break;
    image.remove_prefix(end + 1);
  }
  return std::nullopt;
}

std::optional<int> ParentPidFromStat(std::string_view stat) {
  // The command name is in parentheses and may contain anything: the fields after it
  // start after the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::istringstream rest{std::string(stat.substr(close + 1))};
  std::string state;
  long ppid = -1;
  if (!(rest >> state >> ppid) || ppid < 0) return std::nullopt;
  return static_cast<int>(ppid);
}

std::optional<std::string> FindSessionAddress() {
  if (const char* own = std::getenv("SSH_CONNECTION")) return SessionAddressFromSshConnection(own);
  int pid = static_cast<int>(getppid());
  for (int depth = 0; depth < kMaxAncestors && pid > 1; ++depth) {
    if (const auto image = ReadProcFile(pid, "environ"))
      if (const auto value = SshConnectionFromEnviron(*image)) return SessionAddressFromSshConnection(*value);
    const auto stat = ReadProcFile(pid, "stat");
    const auto parent = stat ? ParentPidFromStat(*stat) : std::nullopt;
    if (!parent || *parent == pid) break;
    pid = *parent;
  }
  return std::nullopt;
}

}  // namespace failoverd
