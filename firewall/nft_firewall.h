// NftFirewall: the Firewall that talks to the kernel, through libnftables.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "firewall/firewall.h"

struct nft_ctx;
namespace spdlog {
class logger;
}

namespace failoverd::firewall {

// Applies nft scripts to the kernel of the calling thread's network namespace.
// Owns one libnftables context with buffered output and error, so nothing is
// printed and every failure carries nft's own message. Owned by the daemon
// (or a tool); not thread-safe, use one instance per thread.
class NftFirewall : public Firewall {
 public:
  NftFirewall();
  ~NftFirewall() override;
  NftFirewall(const NftFirewall&) = delete;
  NftFirewall& operator=(const NftFirewall&) = delete;

  Status Apply(const std::string& script) override;
  Status Check(const std::string& script) override;
  Status CheckInScratchTable(const std::string& script, const std::string& table) override;
  Result<bool> HasZone(const std::string& bridge) override;
  Result<std::string> ReadFingerprint() override;
  // `nft list table inet failoverd` as text nft can load again; "" when the table
  // does not exist (a host failoverd never ran on). For putting a host back exactly.
  Result<std::string> TableText();

 private:
  struct ContextDeleter {
    void operator()(nft_ctx* ctx) const;
  };

  // Runs `commands` as one transaction; on failure, the trimmed nft error text.
  Status Run(const std::string& commands, bool dry_run);
  // Runs a list command and returns its JSON output.
  Result<std::string> ListJson(const std::string& command);
  // Whether table inet failoverd exists.
  Result<bool> TablePresent();
  // The chains of table inet failoverd, as nft's JSON objects.
  Result<std::vector<nlohmann::json>> OurChains();

  std::unique_ptr<nft_ctx, ContextDeleter> ctx_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace failoverd::firewall
