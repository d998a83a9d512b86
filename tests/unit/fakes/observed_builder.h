// ObservedBuilder: fills an ObservedState by hand for decision and plan tests.
// Links added count as seen at time zero (stable since before "now").
#pragma once

#include <string>

#include "failoverd/core/observed.h"

namespace failoverd::testing {

class ObservedBuilder {
 public:
  explicit ObservedBuilder(core::ObservedState& observed) : observed_(observed) {}

  int Add(const std::string& name, const std::string& mac, bool carrier = true,
          const std::string& kind = "veth", bool admin_up = true) {
    core::LinkInfo link;
    link.ifindex = next_++;
    link.name = name;
    link.kind = kind;
    link.mac = *MacAddress::Parse(mac);
    link.carrier = carrier;
    link.admin_up = admin_up;
    if (link.is_bridge()) link.alias = core::kOwnerMark;  // one failoverd made; see AddForeignBridge
    observed_.Update(link, MonoTime{});
    return link.ifindex;
  }
  // A bridge someone else made (without failoverd's mark).
  int AddForeignBridge(const std::string& name, const std::string& mac) {
    const int ifindex = Add(name, mac, true, "bridge");
    core::LinkInfo link = *observed_.Find(ifindex);
    link.alias.clear();
    observed_.Update(link, MonoTime{});
    return ifindex;
  }
  void SetCarrier(int ifindex, bool carrier, MonoTime at) {
    core::LinkInfo link = *observed_.Find(ifindex);
    link.carrier = carrier;
    observed_.Update(link, at);
  }
  void Enslave(int ifindex, int master, MonoTime at = MonoTime{}) {
    core::LinkInfo link = *observed_.Find(ifindex);
    link.master = master;
    observed_.Update(link, at);
  }

 private:
  core::ObservedState& observed_;
  int next_ = 2;
};

}  // namespace failoverd::testing
