// FirewallKeeper: keeps table inet failoverd exactly as failoverd last wrote it.
// It is the Firewall the daemon and its executor write through: after each of
// failoverd's own commits it knows the table changed by its own hand, and reads the
// table's fingerprint back at the next check, when no one else has committed since.
// When nftables reports a commit by another process (or lost notifications), the
// table is read again and any difference — a rule inserted, a chain flushed, a map
// element deleted, the table flushed or replaced — is repaired by replacing the whole
// table in one transaction. Owned by the daemon; wraps the real (or a fake) firewall.
#pragma once

#include <string>

#include "firewall/firewall.h"

namespace failoverd {

class FirewallKeeper final : public firewall::Firewall {
 public:
  explicit FirewallKeeper(firewall::Firewall& inner) : inner_(inner) {}

  Status Apply(const std::string& script) override;
  Status Check(const std::string& script) override { return inner_.Check(script); }
  Status CheckInScratchTable(const std::string& script, const std::string& table) override {
    return inner_.CheckInScratchTable(script, table);
  }
  Result<bool> HasZone(const std::string& bridge) override { return inner_.HasZone(bridge); }
  Result<std::string> ReadFingerprint() override { return inner_.ReadFingerprint(); }

  struct Outcome {
    enum class Kind {
      kIntact,        // as failoverd wrote it (or just read back after failoverd's own commit)
      kRepaired,      // someone changed it; the whole table was put back
      kRepairFailed,  // someone changed it; putting it back failed (`error`)
      kUnreadable,    // the table could not be read (`error`); nothing was done
    };
    Kind kind = Kind::kIntact;
    std::string what;   // what was found: "flushed or deleted", "changed"
    std::string error;
  };
  // `foreign`: nftables reported a commit by another process, or lost notifications.
  // `spec`: the whole table as it must be, for a repair.
  Outcome Keep(bool foreign, const firewall::TableSpec& spec);

 private:
  firewall::Firewall& inner_;
  std::string expected_;  // the fingerprint after failoverd's own last commit
  bool stale_ = true;     // failoverd committed since expected_ was read
};

}  // namespace failoverd
