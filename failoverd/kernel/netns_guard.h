// The safety check of every tool that changes links or puts frames on a wire:
// it may only act inside a private network namespace made with `ip netns add`,
// never in the machine's own one (that would rename or cut off the host's NICs).
#pragma once

#include <string>

namespace failoverd::kernel {

// True when /run/netns/NAME exists and is not the machine's own namespace.
bool IsPrivateNetns(const std::string& name);
// True when this thread runs inside /run/netns/NAME and that is a private namespace.
bool InPrivateNetns(const std::string& name);

}  // namespace failoverd::kernel
