#include "firewall/nft_firewall.h"

#include <nftables/libnftables.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <string>
#include <string_view>

namespace failoverd::firewall {
namespace {

// The daemon creates its component loggers at start; a firewall made before
// that (or in a tool) gets a plain stderr logger under the same name.
std::shared_ptr<spdlog::logger> FirewallLogger() {
  if (auto logger = spdlog::get("firewall")) return logger;
  try {
    return spdlog::stderr_color_mt("firewall");
  } catch (const spdlog::spdlog_ex&) {
    // Registered by someone else in the meantime: use theirs.
    return spdlog::get("firewall");
  }
}

std::string Trimmed(const char* text) {
  std::string_view view = text == nullptr ? std::string_view() : std::string_view(text);
  constexpr std::string_view kBlank = " \t\r\n";
  size_t first = view.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return {};
  size_t last = view.find_last_not_of(kBlank);
  return std::string(view.substr(first, last - first + 1));
}

}  // namespace

void NftFirewall::ContextDeleter::operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }

NftFirewall::NftFirewall() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)), log_(FirewallLogger()) {
  if (!ctx_) {
    log_->error("libnftables: cannot create a context");
    return;
  }
  // Keep nft's output and errors in memory instead of stdout/stderr.
  nft_ctx_buffer_output(ctx_.get());
  nft_ctx_buffer_error(ctx_.get());
}

NftFirewall::~NftFirewall() = default;

Status NftFirewall::Run(const std::string& commands, bool dry_run) {
  if (!ctx_) return Status::Error("libnftables: no context");
  nft_ctx* ctx = ctx_.get();
  // Reading a buffer empties it: drop anything left from an earlier run.
  nft_ctx_get_output_buffer(ctx);
  nft_ctx_get_error_buffer(ctx);
  nft_ctx_set_dry_run(ctx, dry_run);
  int rc = nft_run_cmd_from_buffer(ctx, commands.c_str());
  nft_ctx_set_dry_run(ctx, false);
  std::string error = Trimmed(nft_ctx_get_error_buffer(ctx));
  if (rc == 0) return Status::Ok();
  if (error.empty()) error = "nft: command failed (no message)";
  return Status::Error(error);
}

Status NftFirewall::Apply(const std::string& script) {
  Status status = Run(script, /*dry_run=*/false);
  if (status.ok()) {
    log_->debug("applied transaction:\n{}", script);
  } else {
    log_->error("transaction failed: {}", status.message());
    log_->debug("failed transaction:\n{}", script);
  }
  return status;
}

Status NftFirewall::Check(const std::string& script) {
  // A dry run still asks the kernel for the current ruleset, so references to
  // existing chains and maps are checked too; nothing is committed.
  Status status = Run(script, /*dry_run=*/true);
  if (!status.ok()) log_->debug("check failed: {}", status.message());
  return status;
}

Status NftFirewall::CheckInScratchTable(const std::string& script, const std::string& table) {
  Status status = Run(script + "delete table " + table + "\n", /*dry_run=*/false);
  if (!status.ok()) log_->debug("check failed: {}", status.message());
  return status;
}

Result<std::string> NftFirewall::ListJson(const std::string& command) {
  if (!ctx_) return Status::Error("libnftables: no context");
  nft_ctx* ctx = ctx_.get();
  unsigned int flags = nft_ctx_output_get_flags(ctx);
  nft_ctx_output_set_flags(ctx, flags | NFT_CTX_OUTPUT_JSON);
  Status status = Run(command, /*dry_run=*/false);
  nft_ctx_output_set_flags(ctx, flags);
  if (!status.ok()) return status;
  const char* output = nft_ctx_get_output_buffer(ctx);
  return std::string(output == nullptr ? "" : output);
}

Result<bool> NftFirewall::TablePresent() {
  // `list tables` succeeds with or without our table; `list table` would fail without it.
  Result<std::string> tables = ListJson(std::string("list tables ") + kTableFamily);
  if (!tables.ok()) return Status::Error("cannot list tables: " + tables.message());
  nlohmann::json json = nlohmann::json::parse(*tables, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.contains("nftables") || !json["nftables"].is_array())
    return Status::Error("nft: unexpected JSON listing of tables");
  for (const auto& item : json["nftables"])
    if (item.contains("table") && item["table"].value("name", "") == kTableName) return true;
  return false;
}

Result<std::string> NftFirewall::TableText() {
  auto present = TablePresent();
  if (!present) return present.status();
  if (!*present) return std::string();
  if (Status listed = Run(std::string("list table ") + kTableFamily + " " + kTableName, /*dry_run=*/false); !listed.ok())
    return Status::Error("cannot list table: " + listed.message());
  const char* output = nft_ctx_get_output_buffer(ctx_.get());
  return std::string(output == nullptr ? "" : output);
}

Result<std::vector<nlohmann::json>> NftFirewall::OurChains() {
  // `list chains inet` succeeds whether or not our table exists, unlike
  // `list chain ...`, whose "No such file or directory" would have to be told
  // apart from real failures by its text.
  Result<std::string> listing = ListJson(std::string("list chains ") + kTableFamily);
  if (!listing.ok()) return Status::Error("cannot list chains: " + listing.message());
  nlohmann::json json = nlohmann::json::parse(*listing, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.contains("nftables") || !json["nftables"].is_array()) {
    return Status::Error("nft: unexpected JSON listing of chains");
  }
  std::vector<nlohmann::json> chains;
  for (const nlohmann::json& item : json["nftables"]) {
    if (!item.is_object() || !item.contains("chain") || !item["chain"].is_object()) continue;
    const nlohmann::json& chain = item["chain"];
    if (chain.value("family", "") == kTableFamily && chain.value("table", "") == kTableName) chains.push_back(chain);
  }
  return chains;
}

Result<bool> NftFirewall::HasZone(const std::string& bridge) {
  auto chains = OurChains();
  if (!chains.ok()) {
    log_->error("{}: {}", bridge, chains.message());
    return chains.status();
  }
  bool input = false;
  bool forward = false;
  for (const nlohmann::json& chain : *chains) {
    input = input || chain.value("name", "") == InputChainName(bridge);
    forward = forward || chain.value("name", "") == ForwardChainName(bridge);
  }
  // Both chains of a zone come and go in one transaction; either both are there or neither.
  return input && forward;
}

namespace {

// Drops what differs between two listings of the same content: rule and object
// handles, and the order the kernel happens to list set elements in.
void Canonicalize(nlohmann::json& value) {
  if (value.is_object()) {
    value.erase("handle");
    for (auto& [key, item] : value.items()) Canonicalize(item);
    if (value.contains("elem") && value["elem"].is_array()) {
      std::vector<std::string> elements;
      for (const auto& element : value["elem"]) elements.push_back(element.dump());
      std::sort(elements.begin(), elements.end());
      value["elem"] = elements;
    }
  } else if (value.is_array()) {
    for (auto& item : value) Canonicalize(item);
  }
}

}  // namespace

Result<std::string> NftFirewall::ReadFingerprint() {
  auto present = TablePresent();
  if (!present) return present.status();
  if (!*present) return std::string();
  Result<std::string> listing = ListJson(std::string("list table ") + kTableFamily + " " + kTableName);
  if (!listing.ok()) return Status::Error("cannot list table: " + listing.message());
  nlohmann::json json = nlohmann::json::parse(*listing, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.contains("nftables") || !json["nftables"].is_array())
    return Status::Error("nft: unexpected JSON listing of table inet failoverd");
  // Objects are listed table, chains, sets, rules; the metainfo names nft's version only.
  nlohmann::json objects = nlohmann::json::array();
  for (auto& item : json["nftables"])
    if (!item.contains("metainfo")) objects.push_back(std::move(item));
  Canonicalize(objects);
  return objects.dump();
}

}  // namespace failoverd::firewall
