// The state recorded by `apply --confirm` as it is kept in state.json (section
// "pending_apply", key "recorded_state"), so a rollback — also one at the next
// start after a crash — has it:
//   {"bridges": [{"name": "eth0", "present": true, "mac": "02:…",
//                 "active": {"nic": "hweth0", "identity": "02:…"} | null,
//                 "standbys": [{"nic": "hweth1", "identity": "02:…"}],
//                 "addresses": ["192.0.2.9/24"], "gateways": ["192.0.2.1"],
//                 "zone": {"name": "lan", "path": "…", "input": ["…"], "forward": []} | null}],
//    "names": {"02:…": "hweth0"}}
#pragma once

#include <nlohmann/json.hpp>

#include "failoverd/common/status.h"
#include "failoverd/daemon/apply_snapshot.h"

namespace failoverd {

nlohmann::json SnapshotToJson(const ApplySnapshot& snapshot);
// Anything that cannot be read is an error: a rollback must not restore half a record.
Result<ApplySnapshot> SnapshotFromJson(const nlohmann::json& json);

}  // namespace failoverd
