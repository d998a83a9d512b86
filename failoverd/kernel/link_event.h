// LinkEvent: one change to a network interface as the kernel reported it
// (rtnetlink RTM_NEWLINK / RTM_DELLINK), as a plain value. Produced by
// LinkMonitor, consumed by the daemon. No Linux headers.
#pragma once

#include "failoverd/core/link.h"

namespace failoverd::kernel {

struct LinkEvent {
  enum class Type {
    kNewOrChanged,  // the link appeared or any of its attributes changed; `link` is its new state
    kRemoved,       // the link is gone (deleted, or moved to another network namespace)
  };
  Type type = Type::kNewOrChanged;
  core::LinkInfo link;

  bool operator==(const LinkEvent&) const = default;
};

}  // namespace failoverd::kernel
