#include "failoverd/kernel/host_facts.h"

#include <dirent.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "failoverd/kernel/address_dump.h"

namespace failoverd::kernel {

namespace {

int CollectCacheInfo(const nlattr* attr, void* data) {
  if (mnl_attr_get_type(attr) == IFA_CACHEINFO && mnl_attr_get_payload_len(attr) >= sizeof(ifa_cacheinfo))
    *static_cast<const nlattr**>(data) = attr;
  return MNL_CB_OK;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The value of KEY=VALUE in a state file, nullopt without such a line.
std::optional<std::string> KeyValue(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (line.starts_with(key + "=")) return line.substr(key.size() + 1);
  return std::nullopt;
}

}  // namespace

Result<std::map<int, std::vector<core::AddressFact>>> ReadAddressFacts(NetlinkRequester& rtnl) {
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_GETADDR, 0);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_UNSPEC;
  std::vector<NetlinkMessage> messages;
  if (const NetlinkReply reply = rtnl.Dump(nlh, &messages); !reply.ok()) return ReplyStatus("address dump", reply);
  std::map<int, std::vector<core::AddressFact>> facts;
  for (const auto& message : messages) {
    const auto address = ParseAddressMessage(Header(message));
    if (!address) continue;
    core::AddressFact fact;
    fact.prefix = address->prefix;
    fact.permanent = (address->flags & IFA_F_PERMANENT) != 0;
    fact.link_local = address->prefix.address.family == IpFamily::kV6 && address->scope == RT_SCOPE_LINK;
    const nlattr* cache = nullptr;
    mnl_attr_parse(Header(message), sizeof(ifaddrmsg), CollectCacheInfo, &cache);
    if (cache) fact.valid_lft = static_cast<const ifa_cacheinfo*>(mnl_attr_get_payload(cache))->ifa_valid;
    facts[address->ifindex].push_back(fact);
  }
  return facts;
}

core::ManagerFacts ReadManagerFacts(int ifindex, const std::string& proc_root, const std::string& run_root) {
  core::ManagerFacts facts;
  struct stat own {};
  if (stat((proc_root + "/self/ns/net").c_str(), &own) != 0) return facts;
  bool networkd = false;
  bool network_manager = false;
  DIR* dir = opendir(proc_root.c_str());
  if (!dir) return facts;
  while (const dirent* entry = readdir(dir)) {
    const std::string pid = entry->d_name;
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    struct stat ns {};
    if (stat((proc_root + "/" + pid + "/ns/net").c_str(), &ns) != 0 || ns.st_ino != own.st_ino ||
        ns.st_dev != own.st_dev)
      continue;
    const std::string cmdline = ReadFile(proc_root + "/" + pid + "/cmdline");
    core::ProcessFact process{std::stoi(pid), {}};
    std::string word;
    for (char c : cmdline) {
      if (c != '\0') {
        word += c;
        continue;
      }
      process.argv.push_back(word);
      word.clear();
    }
    if (!word.empty()) process.argv.push_back(word);
    if (process.argv.empty()) continue;  // a kernel thread
    const std::string comm = ReadFile(proc_root + "/" + pid + "/comm");
    if (comm.starts_with("systemd-network")) networkd = true;
    if (comm.starts_with("NetworkManager")) network_manager = true;
    facts.processes.push_back(std::move(process));
  }
  closedir(dir);
  const std::string index = std::to_string(ifindex);
  if (networkd)
    facts.networkd_state = KeyValue(ReadFile(run_root + "/systemd/netif/links/" + index), "ADMIN_STATE").value_or("");
  if (network_manager) {
    const std::string device = ReadFile(run_root + "/NetworkManager/devices/" + index);
    if (!device.empty()) facts.nm_managed = KeyValue(device, "managed").value_or("true") == "true";
  }
  return facts;
}

}  // namespace failoverd::kernel
