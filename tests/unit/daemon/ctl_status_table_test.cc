#include "failoverd/ctl/status_table.h"

#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "failoverd/ctl/event_lines.h"
#include "failoverd/ctl/result_output.h"

namespace failoverd {
namespace {

using ::nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A status as SPEC §6 describes it: an active-backup bridge with a standby, an
// internal bridge without ports, a bridge in error, a spare and a quarantined NIC.
json SampleStatus() {
  return json::parse(R"({
    "bridges": [
      { "name": "eth0", "mode": "active-backup", "mac": "02:4f:00:00:00:01", "zone": "lan",
        "state": "up", "active": "hweth0",
        "ports": [
          { "nic": "hweth0", "role": "active", "carrier": true, "since": "2026-11-22T03:00:00Z" },
          { "nic": "hweth1", "role": "standby", "carrier": false, "since": "2026-11-22T02:58:10Z" } ] },
      { "name": "vms", "mode": "internal", "mac": "02:4f:00:00:00:02", "zone": null,
        "state": "up", "active": null, "ports": [] },
      { "name": "eth1", "mode": "active-backup", "state": "error",
        "error": "creating bridge: Operation not permitted", "active": null,
        "ports": [ { "nic": "hweth3", "role": "standby", "carrier": null } ] }
    ],
    "nics": [
      { "name": "hweth0", "perm_mac": "00:0c:29:89:80:c2", "path": "pci-0000:03:00.0",
        "driver": "igb", "carrier": true, "bridge": "eth0", "role": "active", "network": "eth0",
        "seen": { "lldp": {}, "arp": [], "ra": [] } },
      { "name": "hweth1", "perm_mac": "00:0c:29:89:80:cc", "path": "pci-0000:03:00.1",
        "driver": "igb", "carrier": false, "bridge": "eth0", "role": "standby", "network": null },
      { "name": "hweth2", "perm_mac": "52:54:00:12:34:56", "driver": "virtio_net",
        "carrier": true, "bridge": null, "role": "quarantined", "network": "unknown" },
      { "name": "hweth3" }
    ],
    "firewall": { "table": "inet failoverd", "zero_phase": true }
  })");
}

TEST(CtlStatusTableTest, BridgeBlockWithPorts) {
  const auto lines = Lines(RenderStatusTable(SampleStatus()));
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0], "eth0  active-backup  up  mac 02:4f:00:00:00:01  zone lan  active hweth0");
  EXPECT_EQ(lines[1], "  hweth0  active   carrier up    since 2026-11-22T03:00:00Z");
  EXPECT_EQ(lines[2], "  hweth1  standby  carrier down  since 2026-11-22T02:58:10Z");
}

TEST(CtlStatusTableTest, InternalBridgeWithoutPortsOrZone) {
  const auto lines = Lines(RenderStatusTable(SampleStatus()));
  EXPECT_THAT(lines, Contains("vms  internal  up  mac 02:4f:00:00:00:02"));
  EXPECT_THAT(lines, Contains("  no ports"));
}

TEST(CtlStatusTableTest, BridgeErrorFollowsTheState) {
  const auto lines = Lines(RenderStatusTable(SampleStatus()));
  EXPECT_THAT(lines,
              Contains("eth1  active-backup  error (creating bridge: Operation not permitted)"
                       "  active none"));
  EXPECT_THAT(lines, Contains("  hweth3  standby  carrier ?"));
}

TEST(CtlStatusTableTest, NicTable) {
  const auto lines = Lines(RenderStatusTable(SampleStatus()));
  EXPECT_THAT(
      lines,
      Contains("NAME    PERM_MAC           DRIVER      CARRIER  BRIDGE  ROLE         NETWORK"));
  EXPECT_THAT(
      lines, Contains("hweth0  00:0c:29:89:80:c2  igb         up       eth0    active       eth0"));
  EXPECT_THAT(lines,
              Contains("hweth1  00:0c:29:89:80:cc  igb         down     eth0    standby      -"));
  EXPECT_THAT(
      lines,
      Contains("hweth2  52:54:00:12:34:56  virtio_net  up       -       quarantined  unknown"));
  EXPECT_THAT(lines,
              Contains("hweth3  -                  -           ?        -       -            -"));
}

TEST(CtlStatusTableTest, FirewallLineLast) {
  const auto lines = Lines(RenderStatusTable(SampleStatus()));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "firewall: inet failoverd (zero phase in place)");
}

TEST(CtlStatusTableTest, IsolatedBridgeSaysWhyAndAPendingApplyIsShown) {
  json status = SampleStatus();
  status["bridges"][0]["state"] = "isolated";
  status["bridges"][0]["active"] = nullptr;
  status["bridges"][0]["reason"] = "isolated by the administrator until `failoverctl restore eth0`";
  status["pending_apply"] = {{"file", "/etc/failoverd/new.toml"}, {"deadline", "2026-11-22T03:02:00Z"}};
  const auto lines = Lines(RenderStatusTable(status));
  EXPECT_THAT(lines, Contains("eth0  active-backup  isolated  mac 02:4f:00:00:00:01  zone lan  active none"));
  EXPECT_THAT(lines, Contains("  (isolated by the administrator until `failoverctl restore eth0`)"));
  EXPECT_EQ(lines.back(),
            "pending apply of /etc/failoverd/new.toml: rolled back at 2026-11-22T03:02:00Z unless `failoverctl "
            "confirm` comes first");
}

TEST(CtlStatusTableTest, PendingIsolatesAreShown) {
  json status = SampleStatus();
  status["bridges"][0]["state"] = "isolated";
  status["pending_isolate"] = json::array(
      {{{"bridge", "eth0"}, {"deadline", "2026-11-22T03:01:00Z"}, {"seconds_left", 42}, {"confirm_seconds", 60}},
       {{"bridge", "eth1"}, {"deadline", "2026-11-22T03:05:00Z"}}, nullptr, 3});
  const auto lines = Lines(RenderStatusTable(status));
  EXPECT_THAT(lines, Contains("pending isolate of eth0: restored at 2026-11-22T03:01:00Z (42 s left) unless "
                              "`failoverctl confirm` comes first"));
  EXPECT_THAT(lines, Contains("pending isolate of eth1: restored at 2026-11-22T03:05:00Z unless `failoverctl "
                              "confirm` comes first"));
  EXPECT_THAT(lines, Contains("pending isolate of ?: restored at ? unless `failoverctl confirm` comes first"))
      << "an odd entry is shown, not dropped";
  status["pending_isolate"] = json::array();
  for (const auto& line : Lines(RenderStatusTable(status))) EXPECT_THAT(line, Not(HasSubstr("pending isolate")));
}

TEST(CtlStatusTableTest, LastGoodPolicyStartWindowAndLeftAloneNicsAreShown) {
  json status = SampleStatus();
  status["policy"] = {{"file", "/etc/failoverd/policy.toml"},
                      {"running", "last-good"},
                      {"fallback", "invalid"},
                      {"message", "THE POLICY FILE IS INVALID: running the last good policy"},
                      {"last_good_saved_at", "2026-12-01T10:00:00.000Z"},
                      {"pending_start", nullptr}};
  status["left_alone"] = json::array({{{"name", "eth9"}, {"reason", "left alone: carries 192.0.2.10/24"}}});
  auto lines = Lines(RenderStatusTable(status));
  EXPECT_EQ(lines.front(),
            "policy: RUNNING THE LAST GOOD POLICY (saved 2026-12-01T10:00:00.000Z), not /etc/failoverd/policy.toml: "
            "THE POLICY FILE IS INVALID: running the last good policy")
      << "first, before anything else";
  EXPECT_THAT(lines, Contains("eth9: left alone: carries 192.0.2.10/24"));
  status["policy"]["running"] = "file";
  status["policy"]["pending_start"] = {{"deadline", "2026-12-07T10:10:00.000Z"}, {"seconds_left", 600}};
  lines = Lines(RenderStatusTable(status));
  EXPECT_EQ(lines.front(), "policy: /etc/failoverd/policy.toml changed since the last good start: the last good policy "
                           "comes back at 2026-12-07T10:10:00.000Z unless `failoverctl confirm` comes first");
  status["policy"]["pending_start"] = nullptr;
  for (const auto& line : Lines(RenderStatusTable(status))) EXPECT_THAT(line, Not(HasSubstr("policy:")));
}

TEST(CtlResultOutputTest, ReloadAndPlanListTheirLines) {
  const json reload = {{"message", "policy applied: 1 bridge change(s)"},
                       {"changes", {"eth2: new: created with zone lan"}},
                       {"needs_restart", {"control_socket"}}};
  EXPECT_EQ(RenderResult("reload", reload, false),
            "policy applied: 1 bridge change(s)\n  eth2: new: created with zone lan\n"
            "  control_socket: takes effect when failoverd restarts\n");
  const json plan = {{"message", "1 change(s) pending"},
                     {"actions", {{{"action", "attach"}, {"description", "hweth1: attach to eth0 (why)"}}}},
                     {"blocked", {{"eth1", "the name eth1 is held by a link failoverd does not manage"}}}};
  EXPECT_EQ(RenderResult("plan", plan, false),
            "1 change(s) pending\n  hweth1: attach to eth0 (why)\n"
            "  eth1: blocked: the name eth1 is held by a link failoverd does not manage\n");
}

TEST(CtlStatusTableTest, NoTrailingBlanks) {
  for (const auto& line : Lines(RenderStatusTable(SampleStatus()))) {
    EXPECT_TRUE(line.empty() || line.back() != ' ') << "'" << line << "'";
  }
}

TEST(CtlStatusTableTest, ToleratesAnEmptyOrOddStatus) {
  EXPECT_THAT(Lines(RenderStatusTable(json::object())),
              ElementsAre("no bridges", "", "no managed NICs", "", "firewall: unknown"));
  const json odd = {{"bridges", {nullptr, 3, {{"name", "eth9"}}}},
                    {"nics", "nope"},
                    {"firewall", {{"table", nullptr}, {"zero_phase", false}}}};
  const auto lines = Lines(RenderStatusTable(odd));
  EXPECT_THAT(lines, Contains("eth9  -  -"));
  EXPECT_THAT(lines, Contains("firewall: none (zero phase NOT in place)"));
}

TEST(CtlEventLinesTest, OneLinePerEvent) {
  const json events = json::parse(R"json([
    { "time": "2026-11-22T03:00:00Z", "kind": "role",
      "message": "hweth1: standby -> active (hweth0 lost carrier)" },
    { "kind": "rename" } ])json");
  EXPECT_THAT(
      Lines(RenderEvents(events)),
      ElementsAre("2026-11-22T03:00:00Z  [role] hweth1: standby -> active (hweth0 lost carrier)",
                  "-  [rename]"));
  EXPECT_EQ(RenderEvents(json{{"events", events}}), RenderEvents(events));
}

TEST(CtlResultOutputTest, JsonIsPrettyWithTwoSpaces) {
  EXPECT_EQ(RenderResult("status", json{{"nics", json::array()}}, true), "{\n  \"nics\": []\n}\n");
}

TEST(CtlResultOutputTest, StatusUsesTheTable) {
  EXPECT_THAT(RenderResult("status", SampleStatus(), false),
              HasSubstr("firewall: inet failoverd (zero phase in place)\n"));
}

TEST(CtlResultOutputTest, MessageOrCompactJson) {
  EXPECT_EQ(RenderResult("attach", json{{"message", "hweth1 attached to eth0"}, {"x", 1}}, false),
            "hweth1 attached to eth0\n");
  EXPECT_EQ(RenderResult("probe", json{{"nic", "hweth2"}, {"matches", nullptr}}, false),
            "{\"matches\":null,\"nic\":\"hweth2\"}\n");
  EXPECT_EQ(RenderResult("confirm", nullptr, false), "");
}

TEST(CtlResultOutputTest, MetricsAsIs) {
  const std::string text =
      "# TYPE failoverd_failovers_total counter\nfailoverd_failovers_total 3\n";
  EXPECT_EQ(RenderResult("metrics", text, false), text);
  EXPECT_THAT(RenderResult("metrics", text, false), Not(HasSubstr("\"")));
}

TEST(CtlResultOutputTest, StreamedEvents) {
  const json event = {{"time", "2026-11-22T03:00:00Z"}, {"kind", "bridge"}, {"message", "eth0 up"}};
  EXPECT_EQ(RenderStreamedEvent(event, false), "2026-11-22T03:00:00Z  [bridge] eth0 up\n");
  EXPECT_EQ(RenderStreamedEvent(event, true),
            "{\"kind\":\"bridge\",\"message\":\"eth0 up\",\"time\":\"2026-11-22T03:00:00Z\"}\n");
}

}  // namespace
}  // namespace failoverd
