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

std::optional<SshSession> SessionFromSshConnection(std::string_view value) {
  std::istringstream fields{std::string(value)};
  std::vector<std::string> words;
  for (std::string word; fields >> word;) words.push_back(word);
  if (words.size() != 4) return std::nullopt;
  auto address = [](std::string text) -> std::optional<std::string> {
    if (const size_t scope = text.find('%'); scope != std::string::npos) text.resize(scope);
    const auto ip = IpAddress::Parse(text);
    return ip ? std::optional<std::string>(ip->ToString()) : std::nullopt;
  };
  const auto server = address(words[2]);
  if (!server) return std::nullopt;
  SshSession session{*server, address(words[0]).value_or(""), 0};
  if (words[3].size() <= 5 && words[3].find_first_not_of("0123456789") == std::string::npos)
    session.port = std::stoi(words[3]);
  return session;
}

std::optional<std::string> SessionAddressFromSshConnection(std::string_view value) {
  const auto session = SessionFromSshConnection(value);
  return session ? std::optional<std::string>(session->server) : std::nullopt;
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

std::optional<SshSession> FindSshSession() {
  if (const char* own = std::getenv("SSH_CONNECTION")) return SessionFromSshConnection(own);
  int pid = static_cast<int>(getppid());
  for (int depth = 0; depth < kMaxAncestors && pid > 1; ++depth) {
    if (const auto image = ReadProcFile(pid, "environ"))
      if (const auto value = SshConnectionFromEnviron(*image)) return SessionFromSshConnection(*value);
    const auto stat = ReadProcFile(pid, "stat");
    const auto parent = stat ? ParentPidFromStat(*stat) : std::nullopt;
    if (!parent || *parent == pid) break;
    pid = *parent;
  }
  return std::nullopt;
}

std::optional<std::string> FindSessionAddress() {
  const auto session = FindSshSession();
  return session ? std::optional<std::string>(session->server) : std::nullopt;
}

}  // namespace failoverd
