#include "failoverd/core/observed.h"

namespace failoverd::core {

LinkChanges ObservedState::ReplaceAll(const std::vector<LinkInfo>& links, MonoTime now, bool initial) {
  LinkChanges changes;
  std::map<int, LinkInfo> previous = std::move(links_);
  links_.clear();
  by_name_.clear();
  for (const auto& link : links) {
    auto it = previous.find(link.ifindex);
    if (it == previous.end()) {
      first_seen_.emplace(link.ifindex, now);
      if (!initial) {
        carrier_since_[link.ifindex] = now;
        changes.appeared.push_back(link);
      }
    } else if (it->second.carrier != link.carrier) {
      carrier_since_[link.ifindex] = now;
      changes.carrier_changed.push_back(link);
    }
    links_[link.ifindex] = link;
    by_name_[link.name] = link.ifindex;
  }
  for (const auto& [ifindex, link] : previous)
    if (!links_.count(ifindex)) changes.removed.push_back(link);
  for (auto it = carrier_since_.begin(); it != carrier_since_.end();) {
    it = links_.count(it->first) ? std::next(it) : carrier_since_.erase(it);
  }
  for (auto it = first_seen_.begin(); it != first_seen_.end();) {
    it = links_.count(it->first) ? std::next(it) : first_seen_.erase(it);
  }
  return changes;
}

std::optional<LinkInfo> ObservedState::Update(const LinkInfo& link, MonoTime now) {
  auto it = links_.find(link.ifindex);
  if (it == links_.end()) {
    links_[link.ifindex] = link;
    IndexName(nullptr, link);
    first_seen_[link.ifindex] = now;
    // A link that appears while we watch has just come into existence: its carrier
    // state dates from now.
    carrier_since_[link.ifindex] = now;
    return std::nullopt;
  }
  LinkInfo old = it->second;
  if (old.carrier != link.carrier) carrier_since_[link.ifindex] = now;
  it->second = link;
  IndexName(&old, link);
  return old;
}

void ObservedState::IndexName(const LinkInfo* old_link, const LinkInfo& link) {
  if (old_link && old_link->name != link.name) {
    auto it = by_name_.find(old_link->name);
    if (it != by_name_.end() && it->second == link.ifindex) by_name_.erase(it);
  }
  by_name_[link.name] = link.ifindex;
}

MonoTime ObservedState::FirstSeen(int ifindex) const {
  auto it = first_seen_.find(ifindex);
  return it == first_seen_.end() ? MonoTime{} : it->second;
}

const LinkInfo* ObservedState::Find(int ifindex) const {
  auto it = links_.find(ifindex);
  return it == links_.end() ? nullptr : &it->second;
}

const LinkInfo* ObservedState::FindByName(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return nullptr;
  const LinkInfo* link = Find(it->second);
  return link && link->name == name ? link : nullptr;
}

std::optional<MonoTime> ObservedState::CarrierSince(int ifindex) const {
  auto it = carrier_since_.find(ifindex);
  if (it == carrier_since_.end()) return std::nullopt;
  return it->second;
}

}  // namespace failoverd::core
