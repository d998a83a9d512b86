// FakeCables: a CableSession factory whose sessions a test feeds with what a cable
// "carries" (LLDP, ARP answers, RAs) and whose sent probes it can inspect.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "failoverd/core/cable_session.h"

namespace failoverd::testing {

class FakeCableSession final : public core::CableSession {
 public:
  FakeCableSession() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~FakeCableSession() override { close(fd_); }
  int fd() const override { return fd_; }
  Status SendArpProbe(const IpAddress& target) override {
    sent.push_back("arp " + target.ToString());
    return Status::Ok();
  }
  Status SendRouterSolicitation() override {
    sent.push_back("rs");
    return Status::Ok();
  }
  std::vector<core::CableObservation> Read() override { return std::move(pending); }
  uint64_t malformed() const override { return 0; }

  std::vector<core::CableObservation> pending;
  std::vector<std::string> sent;

 private:
  int fd_;
};

class FakeCables {
 public:
  // The factory to hand to the daemon; sessions stay reachable through session().
  auto Factory() {
    return [this](int ifindex, const std::string&, const MacAddress&)
               -> Result<std::unique_ptr<core::CableSession>> {
      auto session = std::make_unique<FakeCableSession>();
      sessions_[ifindex] = session.get();
      ++opened_[ifindex];
      return std::unique_ptr<core::CableSession>(std::move(session));
    };
  }
  FakeCableSession* session(int ifindex) { return sessions_.count(ifindex) ? sessions_[ifindex] : nullptr; }
  int opened(int ifindex) { return opened_[ifindex]; }
  // Queues an LLDP neighbour with this chassis id (and system name) on the NIC's cable.
  void Lldp(int ifindex, const std::string& chassis) {
    core::CableObservation o;
    o.kind = core::CableObservation::Kind::kLldp;
    o.lldp.chassis_id = chassis;
    o.lldp.system_name = chassis;
    o.lldp.port_id = "swp1";
    sessions_.at(ifindex)->pending.push_back(o);
  }

 private:
  std::map<int, FakeCableSession*> sessions_;  // the latest session per NIC (owned by the daemon)
  std::map<int, int> opened_;
};

}  // namespace failoverd::testing
