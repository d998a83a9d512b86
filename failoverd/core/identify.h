// Network identification: which bridge's network a NIC's cable carries, judged
// from its Fingerprint against every bridge's [bridge.identify] keys. Pure.
//
// Evidence for a bridge: its LLDP keys all match the neighbour (lldp_port may match
// the port id or the port description), or its arp_target answered, or an RA
// carried its ra_prefix. Evidence against it: an LLDP neighbour that does not match
// its LLDP keys, or RAs none of whose prefixes is its ra_prefix. A bridge matches
// when there is evidence for it and none against it; evidence for two bridges is a
// conflict.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "failoverd/core/fingerprint.h"
#include "policy/policy.h"

namespace failoverd::core {

struct Identification {
  enum class Verdict {
    kUndetermined,  // nothing heard yet and probing is not finished
    kMatched,       // exactly one bridge matches: `bridge`
    kUnknown,       // probing finished (or evidence heard) and no bridge matches
    kConflict,      // two or more bridges match: the cable cannot be trusted
  };
  Verdict verdict = Verdict::kUndetermined;
  std::string bridge;                   // kMatched only
  std::vector<std::string> matched;     // every matching bridge (kMatched, kConflict)
  std::set<std::string> contradicted;   // bridges the evidence speaks against
  std::string reason;                   // "LLDP chassis core-sw-1 matches eth0"
};

// `probing_done`: every probe of this link-up has had its chance (retries spent).
Identification Identify(const policy::Policy& policy, const Fingerprint& fingerprint, bool probing_done);

// True when some bridge of the policy has identify keys (otherwise nothing is probed).
bool AnyIdentifyKeys(const policy::Policy& policy);

const char* ToString(Identification::Verdict verdict);

}  // namespace failoverd::core
