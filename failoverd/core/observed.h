// ObservedState: the daemon's picture of the kernel's links, kept current from
// dumps and events, plus when each link's carrier last changed (for hold-down and
// up-delay). Only this class changes that picture.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "failoverd/common/clock.h"
#include "failoverd/core/link.h"

namespace failoverd::core {

struct CarrierChange {
  bool carrier = false;
  MonoTime at{};
};

// What changed between two pictures, for the log.
struct LinkChanges {
  std::vector<LinkInfo> appeared;
  std::vector<LinkInfo> removed;
  std::vector<LinkInfo> carrier_changed;  // with the new carrier value
};

class ObservedState {
 public:
  // Replaces the whole picture (after a dump). Carrier changes against the previous
  // picture are timestamped `now`. With `initial`, links count as stable since before
  // the daemon started; otherwise a link that appears is timestamped `now` too.
  LinkChanges ReplaceAll(const std::vector<LinkInfo>& links, MonoTime now, bool initial = false);
  // One link appeared or changed. Returns the previous value if there was one.
  std::optional<LinkInfo> Update(const LinkInfo& link, MonoTime now);

  const std::map<int, LinkInfo>& links() const { return links_; }
  const LinkInfo* Find(int ifindex) const;
  const LinkInfo* FindByName(const std::string& name) const;
  // When the carrier last changed while the daemon watched; nullopt = stable since
  // before the daemon started.
  std::optional<MonoTime> CarrierSince(int ifindex) const;
  // When the link was first seen (daemon start for links that were already there).
  MonoTime FirstSeen(int ifindex) const;

 private:
  void IndexName(const LinkInfo* old_link, const LinkInfo& link);

  std::map<int, LinkInfo> links_;
  // name -> ifindex of links_, so a lookup by name costs no scan. Names are unique in a
  // network namespace; if two links ever claim one (events out of order around a
  // rename), the later news wins.
  std::unordered_map<std::string, int> by_name_;
  std::map<int, MonoTime> carrier_since_;
  std::map<int, MonoTime> first_seen_;
};

}  // namespace failoverd::core
