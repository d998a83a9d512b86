#include "failoverd/core/name_allocator.h"

namespace failoverd::core {

NameAllocator::NameAllocator(std::string prefix, std::map<MacAddress, std::string> remembered,
                             std::set<std::string> foreign_names)
    : prefix_(std::move(prefix)),
      remembered_(std::move(remembered)),
      foreign_names_(std::move(foreign_names)) {}

bool NameAllocator::IsServiceName(const std::string& name) const {
  if (name.size() <= prefix_.size() || name.compare(0, prefix_.size(), prefix_) != 0) return false;
  const std::string digits = name.substr(prefix_.size());
  if (digits.size() > 1 && digits[0] == '0') return false;
  for (char c : digits)
    if (c < '0' || c > '9') return false;
  return digits.size() <= 5;
}

std::map<MacAddress, std::string> NameAllocator::Assign(const std::vector<NamingInput>& nics) const {
  std::map<MacAddress, std::string> result;
  std::set<std::string> taken = foreign_names_;
  for (const auto& [identity, name] : remembered_) taken.insert(name);

  // 1. Remembered NICs get their names back.
  for (const auto& nic : nics) {
    auto it = remembered_.find(nic.identity);
    if (it != remembered_.end()) result[nic.identity] = it->second;
  }
  // 2. Unremembered NICs already carrying a free service name keep it.
  for (const auto& nic : nics) {
    if (result.count(nic.identity) || !IsServiceName(nic.current_name)) continue;
    if (taken.count(nic.current_name)) continue;
    result[nic.identity] = nic.current_name;
    taken.insert(nic.current_name);
  }
  // 3. Everyone else: the lowest free number.
  int next = 0;
  for (const auto& nic : nics) {
    if (result.count(nic.identity)) continue;
    while (taken.count(prefix_ + std::to_string(next))) ++next;
    const std::string name = prefix_ + std::to_string(next);
    result[nic.identity] = name;
    taken.insert(name);
  }
  return result;
}

}  // namespace failoverd::core
