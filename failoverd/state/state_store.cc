#include "failoverd/state/state_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <sstream>

#include "failoverd/common/file_read.h"
#include "failoverd/runtime/atomic_file.h"

namespace failoverd {

namespace {

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

// An exclusive flock held from Acquire() until destruction. flock locks belong to
// the open file description, so the lock is released when the fd closes, also when
// the process dies half-way: a crashed writer never leaves the lock taken.
class ExclusiveLock {
 public:
  ExclusiveLock() = default;
  ~ExclusiveLock() {
    if (fd_ >= 0) close(fd_);
  }
  ExclusiveLock(const ExclusiveLock&) = delete;
  ExclusiveLock& operator=(const ExclusiveLock&) = delete;

  // With `wait`, blocks until the lock is ours: holders keep it for one
  // read-modify-write of a small file (milliseconds), and udev kills a helper stuck
  // past its event timeout. Without, fails at once when another process holds it.
  Status Acquire(const std::string& path, bool wait) {
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600);
    if (fd_ < 0) return Errno("open " + path);
    while (flock(fd_, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
      if (errno == EWOULDBLOCK && !wait) return Status::Error(path + " is held by another process");
      if (errno != EINTR) return Errno("flock " + path);
    }
    return Status::Ok();
  }

 private:
  int fd_ = -1;
};

// identity -> entry[field] for the entries of a "nics" object that can be read.
std::map<MacAddress, std::string> FieldOfNics(const nlohmann::json& nics, const char* field) {
  std::map<MacAddress, std::string> out;
  for (const auto& [key, entry] : nics.items()) {
    const auto mac = MacAddress::Parse(key);
    if (!mac || !entry.is_object()) continue;  // skip what we cannot read, keep it in the file
    const auto value = entry.find(field);
    if (value != entry.end() && value->is_string()) out[*mac] = value->get<std::string>();
  }
  return out;
}

// The entry of `identity` in a "nics" object, made an object if it is not one.
nlohmann::json& NicEntry(nlohmann::json& nics, const MacAddress& identity) {
  nlohmann::json& entry = nics[identity.ToString()];
  if (!entry.is_object()) entry = nlohmann::json::object();
  return entry;
}

bool IsReservedKey(const std::string& key) { return key == "version" || key == "nics"; }

}  // namespace

StateStore::StateStore(std::string state_dir) : state_dir_(std::move(state_dir)) {}

Result<nlohmann::json> StateStore::ReadFile(bool corrupt_is_empty) {
  newer_format_ = 0;
  // Never blocks (a FIFO in its place is refused before a byte is read) and never reads
  // more than a state file can be.
  auto read = ReadRegularFile(path(), kMaxStateFileBytes);
  if (!read) {
    if (read.message().ends_with(std::strerror(ENOENT))) return nlohmann::json::object();
    return Status::Error("read " + read.message());
  }
  const std::string& text = *read;

  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::string problem;
  if (doc.is_discarded() || !doc.is_object()) problem = "not valid JSON";
  else if (doc.contains("nics") && !doc["nics"].is_object()) problem = "'nics' is not an object";
  else if (doc.contains("version") && (!doc["version"].is_number_integer() || doc["version"].get<int64_t>() < 1))
    problem = "'version' is not a format number";
  if (problem.empty() && doc.contains("version") && doc["version"].get<int64_t>() > kFormat) {
    // A newer failoverd wrote it (a downgrade): what it holds may mean something else
    // now, so nothing is read from it, and it is never replaced or set aside.
    newer_format_ = doc["version"].get<int64_t>();
    return Status::Error(path() + " has format " + std::to_string(newer_format_) +
                         ", written by a newer failoverd; this one reads format " + std::to_string(kFormat) +
                         " and leaves the file as it is");
  }
  if (!problem.empty()) {
    if (corrupt_is_empty) return nlohmann::json::object();
    return Status::Error(path() + ": " + problem);
  }
  if (doc.value("version", int64_t{1}) < 2 && doc.contains("bridges") && !doc.contains(kMadeBeforeMarks))
    doc[kMadeBeforeMarks] = doc["bridges"];
  // One spelling per identity ("02:AA:…" and "02:aa:…" are one NIC), so this
  // store's changes land on the entry they belong to.
  const nlohmann::json read_nics = doc.value("nics", nlohmann::json::object());
  nlohmann::json nics = nlohmann::json::object();
  for (const auto& [key, entry] : read_nics.items()) {
    const auto mac = MacAddress::Parse(key);
    nics[mac ? mac->ToString() : key] = entry;
  }
  doc["nics"] = std::move(nics);
  return doc;
}

void StateStore::Rebase(nlohmann::json doc) {
  nlohmann::json& nics = doc["nics"];
  if (!nics.is_object()) nics = nlohmann::json::object();  // absent from the file
  // A name belongs to one NIC. When the file gave a name this store had set to
  // another NIC meanwhile, that NIC got it first (under the lock, typically the
  // udev helper naming a new NIC, which udev may already have renamed): ours goes.
  // Giving one up can bring back an older name that clashes in turn, hence the loop.
  const auto file_names = FieldOfNics(nics, "name");
  while (true) {
    std::map<MacAddress, std::string> merged = file_names;
    for (const auto& [identity, name] : my_names_) merged[identity] = name;
    std::optional<NameConflict> conflict;
    for (const auto& [identity, name] : my_names_) {
      for (const auto& [holder, held] : merged)
        if (holder != identity && held == name && !my_names_.count(holder)) conflict = {identity, name, holder};
      if (conflict) break;
    }
    if (!conflict) break;
    my_names_.erase(conflict->identity);
    conflicts_.push_back(*conflict);
  }
  for (const auto& [identity, name] : my_names_) NicEntry(nics, identity)["name"] = name;
  for (const auto& [identity, network] : my_networks_) NicEntry(nics, identity)["network"] = network;
  for (const auto& [key, value] : my_sections_) {
    if (value.is_null()) doc.erase(key);
    else doc[key] = value;
  }
  doc_ = std::move(doc);
  names_ = FieldOfNics(doc_["nics"], "name");
  networks_ = FieldOfNics(doc_["nics"], "network");
}

Status StateStore::Load() {
  my_names_.clear();
  my_networks_.clear();
  my_sections_.clear();
  conflicts_.clear();
  auto file = ReadFile(/*corrupt_is_empty=*/false);
  Rebase(file ? std::move(file).value() : nlohmann::json::object());
  return file.status();
}

Result<std::string> StateStore::SetAside(const std::string& suffix) {
  const std::string kept = path() + ".corrupt-" + suffix;
  if (rename(path().c_str(), kept.c_str()) != 0)
    return Status::Error("cannot rename " + path() + " to " + kept + ": " + std::strerror(errno));
  return kept;
}

Status StateStore::Reload() {
  auto file = ReadFile(/*corrupt_is_empty=*/false);
  if (!file) return file.status();
  Rebase(std::move(file).value());
  return Status::Ok();
}

Status StateStore::WriteLocked() {
  // Re-read under the lock: the file as it is now is the base.
  auto file = ReadFile(/*corrupt_is_empty=*/true);
  if (!file) return file.status();
  Rebase(std::move(file).value());
  if (!dirty()) return Status::Ok();  // every change was given up to another writer
  return WriteDoc();
}

Status StateStore::WriteDoc() {
  doc_["version"] = kFormat;
  // Text that is not UTF-8 (a file name given to `apply`, a link name: the kernel takes
  // any bytes) is written with U+FFFD in its place: a strict dump would throw, and an
  // exception here ended the daemon at its next save.
  const std::string text = doc_.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (Status written = WriteFileAtomically(path(), text); !written) return written;
  my_names_.clear();
  my_networks_.clear();
  my_sections_.clear();
  return Status::Ok();
}

Status StateStore::Save() {
  if (!dirty()) return Status::Ok();
  if (Status made = MakeDirs(state_dir_); !made) return made;
  ExclusiveLock lock;
  if (Status locked = lock.Acquire(lock_path(), wait_for_lock_); !locked) return locked;
  return WriteLocked();
}

Status StateStore::Update(const std::function<void(StateStore&)>& change) {
  if (Status made = MakeDirs(state_dir_); !made) return made;
  ExclusiveLock lock;
  if (Status locked = lock.Acquire(lock_path(), wait_for_lock_); !locked) return locked;
  auto file = ReadFile(/*corrupt_is_empty=*/false);
  if (!file) return file.status();
  Rebase(std::move(file).value());
  change(*this);
  if (!dirty()) return Status::Ok();
  return WriteLocked();
}

bool StateStore::SetName(const MacAddress& identity, const std::string& name) {
  auto it = names_.find(identity);
  if (it != names_.end() && it->second == name) return false;
  names_[identity] = name;
  my_names_[identity] = name;
  NicEntry(doc_["nics"], identity)["name"] = name;
  return true;
}

Status StateStore::ForgetNames(const std::vector<MacAddress>& identities) {
  if (Status made = MakeDirs(state_dir_); !made) return made;
  ExclusiveLock lock;
  if (Status locked = lock.Acquire(lock_path(), wait_for_lock_); !locked) return locked;
  auto file = ReadFile(/*corrupt_is_empty=*/true);
  if (!file) return file.status();
  for (const auto& identity : identities) my_names_.erase(identity);
  Rebase(std::move(file).value());
  nlohmann::json& nics = doc_["nics"];
  for (const auto& identity : identities) {
    const std::string key = identity.ToString();
    if (!nics.contains(key)) continue;
    nics[key].erase("name");
    if (nics[key].empty()) nics.erase(key);
  }
  names_ = FieldOfNics(nics, "name");
  return WriteDoc();
}

bool StateStore::SetNetwork(const MacAddress& identity, const std::string& network) {
  auto it = networks_.find(identity);
  if (it != networks_.end() && it->second == network) return false;
  networks_[identity] = network;
  my_networks_[identity] = network;
  NicEntry(doc_["nics"], identity)["network"] = network;
  return true;
}

const nlohmann::json& StateStore::Section(const std::string& key) const {
  static const nlohmann::json kAbsent;  // null
  if (IsReservedKey(key)) return kAbsent;
  const auto it = doc_.find(key);
  return it == doc_.end() ? kAbsent : *it;
}

bool StateStore::SetSection(const std::string& key, nlohmann::json value) {
  if (IsReservedKey(key) || Section(key) == value) return false;
  if (value.is_null()) doc_.erase(key);
  else doc_[key] = value;
  my_sections_[key] = std::move(value);
  return true;
}

}  // namespace failoverd
