// StateStore: the persistent memory of failoverd, state_dir/state.json — which
// hwethN name each NIC identity carries. Written atomically (temp file, fsync,
// rename, fsync of the directory) so a crash leaves the old or the new file, never
// half of one. Entries of NICs not present are kept: a NIC seen again gets its name.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"

namespace failoverd {

class StateStore {
 public:
  explicit StateStore(std::string state_dir);

  // Reads state.json; a missing file is an empty state, a corrupt one is an error
  // (the caller decides; the daemon keeps going with what the kernel shows).
  Status Load();
  // Writes only when something changed since the last load/save.
  Status Save();

  const std::map<MacAddress, std::string>& names() const { return names_; }
  // Records a NIC's name; returns true if that changed anything.
  bool SetName(const MacAddress& identity, const std::string& name);
  // The last network (bridge name) each NIC was identified on, for require = "remembered".
  const std::map<MacAddress, std::string>& networks() const { return networks_; }
  bool SetNetwork(const MacAddress& identity, const std::string& network);

  std::string path() const { return state_dir_ + "/state.json"; }

 private:
  nlohmann::json ToJson() const;

  std::string state_dir_;
  std::map<MacAddress, std::string> names_;
  std::map<MacAddress, std::string> networks_;
  nlohmann::json extra_nic_fields_ = nlohmann::json::object();  // kept as read, per identity
  bool dirty_ = false;
};

}  // namespace failoverd
