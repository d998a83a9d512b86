#include "firewall/session_check.h"

#include <map>
#include <sstream>
#include <vector>

namespace failoverd::firewall {

namespace {

enum class Match { kNo, kMaybe, kYes };

Match And(Match a, Match b) {
  if (a == Match::kNo || b == Match::kNo) return Match::kNo;
  if (a == Match::kMaybe || b == Match::kMaybe) return Match::kMaybe;
  return Match::kYes;
}

Match Negate(Match m) {
  if (m == Match::kMaybe) return m;
  return m == Match::kYes ? Match::kNo : Match::kYes;
}

// Splits a rule into words; a set "{ 22, 80 }" becomes one word "{22,80}", and a
// quoted string stays one word.
std::vector<std::string> Words(const std::string& rule) {
  std::vector<std::string> words;
  std::string word;
  int depth = 0;
  bool quoted = false;
  for (char c : rule) {
    if (c == '"') quoted = !quoted;
    if (c == '{' && !quoted) ++depth;
    if (c == '}' && !quoted) --depth;
    if ((c == ' ' || c == '\t') && quoted) {
      word += c;
    } else if ((c == ' ' || c == '\t') && depth == 0) {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else if (!((c == ' ' || c == '\t') && depth > 0)) {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

// The elements of a value: "22" -> {"22"}, "{22,80}" -> {"22", "80"}.
std::vector<std::string> Elements(const std::string& value) {
  std::string inner = value;
  if (inner.size() >= 2 && inner.front() == '{' && inner.back() == '}') inner = inner.substr(1, inner.size() - 2);
  std::vector<std::string> out;
  std::stringstream stream(inner);
  std::string item;
  while (std::getline(stream, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

Match PortIn(const std::string& value, int port) {
  static const std::map<std::string, int> kServices = {{"ssh", 22}, {"http", 80}, {"https", 443}};
  Match result = Match::kNo;
  for (const auto& element : Elements(value)) {
    const size_t dash = element.find('-');
    try {
      if (kServices.count(element)) {
        if (kServices.at(element) == port) return Match::kYes;
      } else if (dash != std::string::npos) {
        if (std::stoi(element.substr(0, dash)) <= port && port <= std::stoi(element.substr(dash + 1)))
          return Match::kYes;
      } else if (element.find_first_not_of("0123456789") == std::string::npos) {
        if (std::stoi(element) == port) return Match::kYes;
      } else {
        result = Match::kMaybe;  // a named set, a service name we do not know
      }
    } catch (const std::exception&) {
      result = Match::kMaybe;
    }
  }
  return result;
}

Match AddressIn(const std::string& value, const IpAddress& address) {
  Match result = Match::kNo;
  for (const auto& element : Elements(value)) {
    const size_t dash = element.find('-');
    if (auto prefix = IpPrefix::Parse(element.find('/') == std::string::npos
                                          ? element + (address.family == IpFamily::kV4 ? "/32" : "/128")
                                          : element);
        prefix && dash == std::string::npos) {
      if (prefix->address.family == address.family && prefix->Contains(address)) return Match::kYes;
    } else {
      result = Match::kMaybe;  // a range, a named set
    }
  }
  return result;
}

Match ProtocolIs(const std::string& value, const std::string& name, const std::string& number) {
  for (const auto& element : Elements(value))
    if (element == name || element == number) return Match::kYes;
  return Match::kNo;
}

Match StateHas(const std::string& value, const std::string& state) {
  for (const auto& element : Elements(value))
    if (element == state) return Match::kYes;
  return Match::kNo;
}

enum class Verdict { kNone, kAccept, kDrop, kOther };

// Whether `rule` matches the connection's first packet, and what it then does.
std::pair<Match, Verdict> Judge(const std::string& rule, const NewTcpConnection& c) {
  const std::vector<std::string> words = Words(rule);
  Match match = Match::kYes;
  Verdict verdict = Verdict::kNone;
  const bool v4 = c.local.family == IpFamily::kV4;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    auto next = [&](size_t k) -> std::string { return i + k < words.size() ? words[i + k] : ""; };
    // "KEY [!=] VALUE": the value, and whether the match is negated.
    auto value_at = [&](size_t k, bool& negated) {
      negated = next(k) == "!=";
      if (negated || next(k) == "==") ++k;
      const std::string value = next(k);
      i += k;
      return value;
    };
    bool negated = false;
    Match m = Match::kYes;
    if (w == "accept") {
      verdict = Verdict::kAccept;
    } else if (w == "drop" || w == "reject") {
      verdict = Verdict::kDrop;
      if (w == "reject") i = words.size();  // "reject with ..." says nothing more of matching
    } else if (w == "jump" || w == "goto" || w == "return" || w == "queue") {
      verdict = Verdict::kOther;
      ++i;
    } else if (w == "counter" || w == "continue") {
      continue;
    } else if (w == "log" || w == "comment") {
      // log [prefix "..."] [level X] ...: nothing that matches or decides
      while (i + 1 < words.size() && (next(1) == "prefix" || next(1) == "level" || next(1) == "group")) i += 2;
      if (w == "comment") ++i;
      continue;
    } else if ((w == "tcp" || w == "th") && (next(1) == "dport")) {
      m = PortIn(value_at(2, negated), c.port);
    } else if (w == "tcp") {
      m = Match::kMaybe;  // sport, flags, ...
      i = i + 2;
    } else if (w == "udp" || w == "icmp" || w == "icmpv6" || w == "sctp" || w == "udplite" || w == "dccp") {
      m = Match::kNo;
      i = i + 2;
    } else if (w == "meta" && next(1) == "l4proto") {
      m = ProtocolIs(value_at(2, negated), "tcp", "6");
    } else if (w == "ip" && next(1) == "protocol") {
      m = v4 ? ProtocolIs(value_at(2, negated), "tcp", "6") : Match::kNo;
    } else if (w == "ip6" && next(1) == "nexthdr") {
      m = v4 ? Match::kNo : ProtocolIs(value_at(2, negated), "tcp", "6");
    } else if ((w == "ip" || w == "ip6") && (next(1) == "saddr" || next(1) == "daddr")) {
      const std::optional<IpAddress> address = next(1) == "saddr" ? c.client : c.local;
      const bool family_matches = (w == "ip") == v4;
      const std::string value = value_at(2, negated);
      m = !family_matches ? Match::kNo : address ? AddressIn(value, *address) : Match::kMaybe;
      if (!family_matches) negated = false;  // `ip saddr != X` does not match an IPv6 packet either
    } else if (w == "ct" && next(1) == "state") {
      m = StateHas(value_at(2, negated), "new");
    } else if (w == "meta" && next(1) == "nfproto") {
      m = ProtocolIs(value_at(2, negated), v4 ? "ipv4" : "ipv6", "");
    } else {
      m = Match::kMaybe;  // iifname, limit, marks, sets, ...: cannot tell
    }
    match = And(match, negated ? Negate(m) : m);
  }
  return {match, verdict};
}

}  // namespace

SessionVerdict JudgeNewConnection(const ZoneFragment& zone, const NewTcpConnection& c) {
  const std::string target = c.local.ToString() + ":" + std::to_string(c.port);
  for (const auto& rule : zone.input_rules) {
    const auto [match, verdict] = Judge(rule, c);
    if (match == Match::kNo || verdict == Verdict::kNone) continue;
    if (verdict == Verdict::kAccept && match == Match::kYes)
      return {true, "zone " + zone.name + " accepts it (`" + rule + "`)"};
    if (verdict == Verdict::kDrop || verdict == Verdict::kOther)
      return {false, "zone " + zone.name + (match == Match::kYes ? " drops" : " may drop") + " a new connection to " +
                         target + " (`" + rule + "`)"};
  }
  return {false, "zone " + zone.name + " accepts no new connection to " + target +
                     " (the base chain drops it; only established traffic would still pass)"};
}

}  // namespace failoverd::firewall
