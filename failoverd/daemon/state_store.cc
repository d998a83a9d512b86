#include "failoverd/daemon/state_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace failoverd {

namespace {

constexpr int kVersion = 1;

Status Errno(const std::string& what) { return Status::Error(what + ": " + strerror(errno)); }

Status MakeDirs(const std::string& dir) {
  std::string partial;
  std::stringstream parts(dir);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    partial += "/" + part;
    if (mkdir(partial.c_str(), 0755) < 0 && errno != EEXIST) return Errno("mkdir " + partial);
  }
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& dir, const std::string& path, const std::string& data) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open " + tmp);
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const Status error = Errno("write " + tmp);
      close(fd);
      return error;
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) < 0) {
    const Status error = Errno("fsync " + tmp);
    close(fd);
    return error;
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) < 0) return Errno("rename " + tmp);
  const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);  // make the rename itself durable
    close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace

StateStore::StateStore(std::string state_dir) : state_dir_(std::move(state_dir)) {}

Status StateStore::Load() {
  names_.clear();
  networks_.clear();
  extra_nic_fields_ = nlohmann::json::object();
  dirty_ = false;
  std::ifstream in(path());
  if (!in) return errno == ENOENT ? Status::Ok() : Errno("open " + path());
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::Error(path() + ": not valid JSON");
  const auto nics = doc.find("nics");
  if (nics == doc.end()) return Status::Ok();
  if (!nics->is_object()) return Status::Error(path() + ": 'nics' is not an object");
  for (const auto& [key, entry] : nics->items()) {
    const auto mac = MacAddress::Parse(key);
    if (!mac || !entry.is_object()) continue;  // skip what we cannot read, keep the rest
    const auto name = entry.find("name");
    if (name != entry.end() && name->is_string()) names_[*mac] = name->get<std::string>();
    const auto network = entry.find("network");
    if (network != entry.end() && network->is_string()) networks_[*mac] = network->get<std::string>();
    extra_nic_fields_[mac->ToString()] = entry;
  }
  return Status::Ok();
}

bool StateStore::SetName(const MacAddress& identity, const std::string& name) {
  auto it = names_.find(identity);
  if (it != names_.end() && it->second == name) return false;
  names_[identity] = name;
  dirty_ = true;
  return true;
}

bool StateStore::SetNetwork(const MacAddress& identity, const std::string& network) {
  auto it = networks_.find(identity);
  if (it != networks_.end() && it->second == network) return false;
  networks_[identity] = network;
  dirty_ = true;
  return true;
}

nlohmann::json StateStore::ToJson() const {
  nlohmann::json nics = extra_nic_fields_;
  for (const auto& [identity, name] : names_) nics[identity.ToString()]["name"] = name;
  for (const auto& [identity, network] : networks_) nics[identity.ToString()]["network"] = network;
  return {{"version", kVersion}, {"nics", nics}};
}

Status StateStore::Save() {
  if (!dirty_) return Status::Ok();
  if (Status made = MakeDirs(state_dir_); !made) return made;
  if (Status written = WriteFileAtomically(state_dir_, path(), ToJson().dump(2) + "\n"); !written)
    return written;
  dirty_ = false;
  return Status::Ok();
}

}  // namespace failoverd
