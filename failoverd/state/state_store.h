// StateStore: the persistent memory of failoverd, state_dir/state.json — which
// hwethN name each NIC identity carries, the last network each NIC was seen on,
// and named top-level sections other components keep there. Written atomically
// (temp file, fsync, rename, fsync of the directory) so a crash leaves the old or
// the new file, never half of one. Entries of NICs not present are kept: a NIC
// seen again gets its name.
//
// Two processes write the file: the daemon and the udev helper
// (failoverd-udev-name), which names a NIC the moment it appears. Every write is a
// read-modify-write under an exclusive flock on state_dir/state.lock — a file of
// its own, because the rename that replaces state.json would leave a lock on
// state.json itself behind on the old inode. A write takes the file as it is now as
// the base and puts this store's own changes since its last load/save on top, so a
// name the other process handed out in the meantime is never lost. Reads need no
// lock: the rename makes a reader see the old or the new file whole.
//
// Owned by one component (the daemon, the helper); not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"

namespace failoverd {

class StateStore {
 public:
  // The format of state.json this failoverd writes, in its "version" key; a file
  // without the key counts as format 1. A change to the meaning of what is there bumps
  // it, and reading migrates older files (they are written in this format at the next
  // save). A file of a newer format is refused (see written_by_newer()).
  //  1 -> 2: bridges carry failoverd's mark (core::kOwnerMark). The bridges a format-1
  //          file lists were made by failoverd before marks existed: they are copied to
  //          kMadeBeforeMarks, for the daemon to mark them as its own.
  static constexpr int64_t kFormat = 2;
  static constexpr const char* kMadeBeforeMarks = "made_before_marks";
  // A name this store had set for `identity` that state.json meanwhile gave to
  // `holder` (the udev helper named that NIC first). The file's holder keeps it.
  struct NameConflict {
    MacAddress identity;
    std::string name;
    MacAddress holder;
  };

  explicit StateStore(std::string state_dir);

  // Reads state.json, forgetting every unsaved change and conflict; a missing file
  // is an empty state, a corrupt one is an error (the caller decides; the daemon
  // keeps going with what the kernel shows) and leaves the store empty.
  Status Load();
  // Re-reads state.json and puts the unsaved changes back on top: what another
  // process wrote becomes visible, nothing set here is lost (except names in
  // conflict, see TakeConflicts()). A missing file is an empty base; a corrupt one
  // is an error and leaves the store as it was.
  Status Reload();
  // When something changed since the last load/save: under the lock, re-reads the
  // file and writes it back with this store's changes on top (a corrupt file is
  // replaced — the daemon has reported it when loading). Creates state_dir.
  Status Save();
  // One read-modify-write under the lock, for a caller whose change depends on what
  // the file holds now (the udev helper choosing a free name): takes the lock,
  // re-reads like Reload(), calls `change` (which reads names() and calls the
  // setters), writes if anything changed, releases. A corrupt file is an error and
  // `change` is not called. Creates state_dir.
  Status Update(const std::function<void(StateStore&)>& change);

  const std::map<MacAddress, std::string>& names() const { return names_; }
  // Records a NIC's name; returns true if that changed anything.
  bool SetName(const MacAddress& identity, const std::string& name);
  // Removes the names of `identities` from state.json at once (one locked
  // read-modify-write, with this store's other changes): a rolled-back conversion
  // takes back the names it gave, so nothing renames those NICs at the next boot.
  Status ForgetNames(const std::vector<MacAddress>& identities);
  // The last network (bridge name) each NIC was identified on, for require = "remembered".
  const std::map<MacAddress, std::string>& networks() const { return networks_; }
  bool SetNetwork(const MacAddress& identity, const std::string& network);

  // A top-level section of state.json other than the reserved "version" and
  // "nics"; null when absent. Sections this store did not set are kept as read.
  const nlohmann::json& Section(const std::string& key) const;
  // Replaces a whole section (null removes it); returns true if that changed
  // anything, false also for a reserved key (which is left alone). On save this
  // store's value of the section wins over the file's.
  bool SetSection(const std::string& key, nlohmann::json value);

  // Names given up since the last call: Save(), Reload() or Update() found that
  // state.json had meanwhile given a name set here to another NIC. A caller that
  // acts on names (the daemon renames) decides again before acting.
  std::vector<NameConflict> TakeConflicts() { return std::exchange(conflicts_, {}); }

  // After a Load() that failed on a file that is there (not JSON, the wrong shape, a
  // FIFO or a directory in its place, unreadable): renames it to
  // state.json.corrupt-SUFFIX, so that it is kept for whoever recovers from it and the
  // next save writes a new file beside it. The path it was kept as; an error when the
  // rename failed (then saves fail too, and say why).
  Result<std::string> SetAside(const std::string& suffix);

  // After a Load(), Reload(), Save() or Update() that failed because state.json has a
  // newer format than kFormat (a downgraded failoverd): that format. Such a file is
  // neither read nor written nor set aside: every save fails, saying why. 0 otherwise.
  int64_t written_by_newer() const { return newer_format_; }

  std::string path() const { return state_dir_ + "/state.json"; }
  std::string lock_path() const { return state_dir_ + "/state.lock"; }

  // Whether writes wait for state.lock (the default, for the udev helper) or fail at
  // once while another process holds it (the daemon, which must never wait: it keeps
  // the save due and tries again later).
  void set_wait_for_lock(bool wait) { wait_for_lock_ = wait; }

 private:
  // The file as it is now: a missing file is an empty object. `corrupt_is_empty`:
  // an unreadable document (not JSON, 'nics' not an object) counts as empty too.
  // A file of a newer format is an error whatever `corrupt_is_empty` says.
  Result<nlohmann::json> ReadFile(bool corrupt_is_empty);
  // Puts the unsaved changes on top of `doc` (names in conflict are dropped from
  // them and recorded) and makes the result this store's view.
  void Rebase(nlohmann::json doc);
  // The part of Save()/Update() that runs under the lock.
  Status WriteLocked();
  // Writes doc_ as it is (the lock held) and forgets the unsaved changes it holds.
  Status WriteDoc();
  bool dirty() const { return !my_names_.empty() || !my_networks_.empty() || !my_sections_.empty(); }

  std::string state_dir_;
  bool wait_for_lock_ = true;
  nlohmann::json doc_ = nlohmann::json::object();  // the whole file as this store sees it
  std::map<MacAddress, std::string> names_;         // views of doc_["nics"]
  std::map<MacAddress, std::string> networks_;
  // This store's changes since its last load/save, applied on top of the file.
  std::map<MacAddress, std::string> my_names_;
  std::map<MacAddress, std::string> my_networks_;
  std::map<std::string, nlohmann::json> my_sections_;
  std::vector<NameConflict> conflicts_;
  int64_t newer_format_ = 0;
};

}  // namespace failoverd
