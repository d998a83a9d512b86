#include "failover_round.h"

#include <signal.h>

#include <fstream>
#include <thread>

#include "baseline_command.h"

namespace failoverd::bench {
namespace {

using Ms = std::chrono::milliseconds;

// The indexes of the lab NICs the kernel reports as forwarding ports of the bridge.
Result<std::vector<size_t>> ForwardingNics(const RoundSetup& setup) {
  auto ports = LinkWatch::DumpBridgePorts();
  if (!ports.ok()) return ports.status();
  std::vector<size_t> forwarding;
  for (const auto& port : *ports) {
    if (!port.ForwardingPortOf(setup.bridge_ifindex)) continue;
    for (size_t i = 0; i < setup.nics->size(); ++i)
      if ((*setup.nics)[i].ifindex == port.ifindex) forwarding.push_back(i);
  }
  return forwarding;
}

// The state letter of /proc/PID/stat ('T' when stopped), '?' if unreadable.
char ProcessState(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(") ");
  return paren == std::string::npos || paren + 2 >= text.size() ? '?' : text[paren + 2];
}

// Polls `done` every `step` until it holds; false at the deadline.
template <typename Check>
bool PollUntil(Check done, BenchClock::time_point deadline, Ms step = Ms(20)) {
  for (;;) {
    if (done()) return true;
    if (BenchClock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

Status Freeze(pid_t pid) {
  if (kill(pid, SIGSTOP) != 0) return Status::Error("SIGSTOP " + std::to_string(pid) + " failed");
  if (!PollUntil([&] { return ProcessState(pid) == 'T'; }, BenchClock::now() + Ms(2000), Ms(1)))
    return Status::Error("pid " + std::to_string(pid) + " did not stop");
  return Status::Ok();
}

Status RunStep(const RoundSetup& setup, const std::string& command) {
  auto ran = RunInNetns(setup.netns, {"bash", "-c", command}, Ms(60000));
  if (!ran.ok()) return ran.status();
  if (ran->exit_status != 0) return Status::Error("'" + command + "' failed: " + ran->output);
  return Status::Ok();
}

// A NIC with the removed one's MAC is plugged in under a passing name; the daemon
// gives it the old name back (it remembers NICs by MAC), and the round goes on with
// its new ifindex.
Status Replug(const RoundSetup& setup, LabNic& nic) {
  static int plugged = 0;
  const std::string temp_name = "ensrp" + std::to_string(++plugged % 100000);
  const int old_ifindex = nic.ifindex;
  if (Status plugged_in = nic.cable->Replug(setup.netns, temp_name, nic.mac); !plugged_in.ok()) return plugged_in;
  if (!PollUntil(
          [&] {
            const int now = LinkWatch::IfIndex(nic.name);
            return now != 0 && now != old_ifindex;
          },
          BenchClock::now() + setup.timeout))
    return Status::Error(temp_name + ": not named " + nic.name + " within " + std::to_string(setup.timeout.count()) +
                         " ms of being plugged in");
  nic.ifindex = LinkWatch::IfIndex(nic.name);
  return Status::Ok();
}

}  // namespace

Result<RoundResult> RunFailoverRound(const RoundSetup& setup) {
  auto& nics = *setup.nics;
  if (nics.size() != 2) return Status::Error("a round needs exactly two NICs");
  auto forwarding = ForwardingNics(setup);
  if (!forwarding.ok()) return forwarding.status();
  if (forwarding->size() != 1)
    return Status::Error("expected exactly one forwarding NIC before the cut, found " +
                         std::to_string(forwarding->size()));
  LabNic& active = nics[forwarding->front()];
  LabNic& standby = nics[1 - forwarding->front()];
  RoundResult result;
  result.from = active.name;
  result.to = standby.name;

  if (setup.freeze_pid > 0) {
    if (Status frozen = Freeze(setup.freeze_pid); !frozen.ok()) return frozen;
    if (!setup.storm_batch.empty()) {
      auto storm = RunInNetns(setup.netns, {"ip", "-batch", setup.storm_batch}, Ms(300000));
      if (!storm.ok() || storm->exit_status != 0) {
        kill(setup.freeze_pid, SIGCONT);
        return Status::Error("storm batch failed: " + (storm.ok() ? storm->output : storm.message()));
      }
      result.storm_ms = storm->wall_ms;
    }
  }
  if (!setup.before_cut_cmd.empty())
    if (Status ran = RunStep(setup, setup.before_cut_cmd); !ran.ok()) return ran;
  setup.watch->Clear();
  const auto cut_at = BenchClock::now();
  const auto window_from = cut_at - Ms(20);
  if (Status cut = setup.unplug ? active.cable->Unplug() : active.cable->Cut(); !cut.ok()) {
    if (setup.freeze_pid > 0) kill(setup.freeze_pid, SIGCONT);
    return cut;
  }
  // Removal: the first word of it, a carrier loss as the device closes or the deletion.
  const auto carrier_lost = setup.watch->WaitFor(
      [&](const LinkNote& n) {
        return !n.bridge_family && n.ifindex == active.ifindex && (n.deleted ? setup.unplug : !n.carrier);
      },
      cut_at + Ms(5000));
  auto t0 = carrier_lost ? carrier_lost->at : cut_at;
  if (setup.freeze_pid > 0) {
    t0 = BenchClock::now();
    kill(setup.freeze_pid, SIGCONT);
  }
  if (!carrier_lost) return Status::Error(active.name + ": no carrier-loss notification within 5 s of the cut");
  const auto forwarding_note = setup.watch->WaitFor(
      [&](const LinkNote& n) { return n.ifindex == standby.ifindex && n.ForwardingPortOf(setup.bridge_ifindex); },
      cut_at + setup.timeout);
  if (!forwarding_note)
    return Status::Error(standby.name + ": not a forwarding port within " + std::to_string(setup.timeout.count()) +
                         " ms of the cut");
  result.cut_to_forward_ms = ElapsedMs(cut_at, forwarding_note->at);
  result.t0_to_forward_ms = ElapsedMs(t0, forwarding_note->at);
  result.cut_to_carrier_ms = ElapsedMs(cut_at, carrier_lost->at);
  if (!setup.after_forward_cmd.empty())
    if (Status ran = RunStep(setup, setup.after_forward_cmd); !ran.ok()) return ran;

  if (setup.stream) {
    // Until the stream is back (and 20 ms more), so the window holds the whole outage.
    const auto t1 = forwarding_note->at;
    PollUntil(
        [&] {
          const auto last = setup.stream->LastReplyAt();
          return last > t1 && BenchClock::now() - last < Ms(5) && BenchClock::now() - t1 > Ms(20);
        },
        BenchClock::now() + Ms(3000), Ms(1));
    result.outage = setup.stream->Outage(window_from, BenchClock::now());
  }

  // The contender must be done with this failover before the cable comes back (a
  // daemon still catching up would otherwise see only a short flap).
  std::string last_problem = "not checked";
  const auto settle_cmd_ok = [&] {
    if (setup.settle_cmd.empty()) return true;
    auto check =
        RunInNetns(setup.netns, {"bash", "-c", setup.settle_cmd, "settle", standby.name, active.name}, Ms(5000));
    last_problem = "settle command: " + (check.ok() ? check->output : check.message());
    return check.ok() && check->exit_status == 0;
  };
  if (!PollUntil(settle_cmd_ok, BenchClock::now() + setup.timeout))
    return Status::Error("not settled after the failover: " + last_problem);

  if (setup.unplug) {
    if (Status plugged = Replug(setup, active); !plugged.ok()) return plugged;
  } else if (Status restored = active.cable->Restore(); !restored.ok()) {
    return restored;
  }
  if (!setup.watch->WaitFor(
          [&](const LinkNote& n) { return !n.bridge_family && !n.deleted && n.ifindex == active.ifindex && n.carrier; },
          BenchClock::now() + Ms(5000)))
    return Status::Error(active.name + ": no carrier-up notification within 5 s of the restore");
  const bool settled = PollUntil(
      [&] {
        auto now_forwarding = ForwardingNics(setup);
        if (!now_forwarding.ok() || now_forwarding->size() != 1) {
          last_problem = "forwarding NICs: " + (now_forwarding.ok() ? std::to_string(now_forwarding->size())
                                                                     : now_forwarding.message());
          return false;
        }
        if (setup.expect_swap && nics[now_forwarding->front()].ifindex != standby.ifindex) {
          last_problem = nics[now_forwarding->front()].name + " forwards, not " + standby.name;
          return false;
        }
        return settle_cmd_ok();
      },
      BenchClock::now() + setup.timeout);
  if (!settled) return Status::Error("not settled after the restore: " + last_problem);
  return result;
}

}  // namespace failoverd::bench
