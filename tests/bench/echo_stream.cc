#include "echo_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lab_netns.h"

namespace failoverd::bench {
namespace {

uint16_t Checksum(const uint8_t* data, size_t length) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < length; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (length % 2) sum += static_cast<uint32_t>(data[length - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

constexpr size_t kPayload = 32;  // 32-bit sequence number + padding

}  // namespace

Status EchoStream::Start(const std::string& netns, const std::string& destination,
                         std::chrono::microseconds interval) {
  in_addr address{};
  if (inet_pton(AF_INET, destination.c_str(), &address) != 1) return Status::Error(destination + ": not IPv4");
  destination_ = address.s_addr;
  interval_ = interval;
  id_ = static_cast<uint16_t>(getpid());
  {
    NetnsVisit visit(netns);  // the socket stays in the peer's namespace for its life
    if (!visit.status().ok()) return visit.status();
    fd_ = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);
  }
  if (fd_ < 0) return Status::Error(std::string("echo stream: raw socket: ") + std::strerror(errno));
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void EchoStream::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void EchoStream::Run() {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = destination_;
  const auto start = BenchClock::now();
  uint32_t seq = 0;
  auto next = start;
  uint8_t packet[8 + kPayload];
  uint8_t buffer[1500];
  while (!stop_) {
    auto now = BenchClock::now();
    if (now - next > 10 * interval_) next = now;  // descheduled: a new schedule, not a burst
    while (now >= next) {
      std::memset(packet, 0, sizeof packet);
      packet[0] = ICMP_ECHO;
      const uint16_t id = htons(id_), seq16 = htons(static_cast<uint16_t>(seq)), check_placeholder = 0;
      const uint32_t seq32 = htonl(seq);
      std::memcpy(packet + 2, &check_placeholder, 2);
      std::memcpy(packet + 4, &id, 2);
      std::memcpy(packet + 6, &seq16, 2);
      std::memcpy(packet + 8, &seq32, 4);
      const uint16_t check = htons(Checksum(packet, sizeof packet));
      std::memcpy(packet + 2, &check, 2);
      const bool sent = sendto(fd_, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) > 0;
      {
        std::lock_guard lock(mutex_);
        sent_.push_back(sent ? now : BenchClock::time_point{});
        answered_.push_back(false);
      }
      ++seq;
      next += interval_;
    }
    const auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(next - BenchClock::now());
    timespec timeout{0, std::max<long>(0, static_cast<long>(wait.count()))};
    pollfd pfd{fd_, POLLIN, 0};
    if (ppoll(&pfd, 1, &timeout, nullptr) <= 0) continue;
    for (;;) {
      const ssize_t got = recv(fd_, buffer, sizeof buffer, 0);
      const auto at = BenchClock::now();
      if (got <= 0) break;
      const size_t header = static_cast<size_t>(buffer[0] & 0x0f) * 4;
      if (static_cast<size_t>(got) < header + 12 || buffer[header] != ICMP_ECHOREPLY) continue;
      uint16_t id;
      uint32_t reply_seq;
      std::memcpy(&id, buffer + header + 4, 2);
      std::memcpy(&reply_seq, buffer + header + 8, 4);
      if (ntohs(id) != id_) continue;
      reply_seq = ntohl(reply_seq);
      std::lock_guard lock(mutex_);
      if (reply_seq < answered_.size()) answered_[reply_seq] = true;
      replies_.push_back({reply_seq, at});
    }
  }
}

BenchClock::time_point EchoStream::LastReplyAt() const {
  std::lock_guard lock(mutex_);
  return replies_.empty() ? BenchClock::time_point{} : replies_.back().at;
}

StreamOutage EchoStream::Outage(BenchClock::time_point from, BenchClock::time_point to,
                                std::chrono::milliseconds grace) const {
  std::lock_guard lock(mutex_);
  StreamOutage outage;
  const BenchClock::time_point none{};
  // The window's edges count as replies: a stream that never came back within
  // it has an outage reaching to its end.
  BenchClock::time_point previous = from;
  for (const auto& reply : replies_) {
    if (reply.at < from || reply.at >= to) continue;
    outage.longest_gap_ms = std::max(outage.longest_gap_ms, ElapsedMs(previous, reply.at));
    previous = reply.at;
  }
  outage.longest_gap_ms = std::max(outage.longest_gap_ms, ElapsedMs(previous, to));
  for (size_t seq = 0; seq < sent_.size(); ++seq) {
    if (sent_[seq] == none || sent_[seq] < from || sent_[seq] >= to - grace) continue;
    ++outage.sent;
    if (!answered_[seq]) ++outage.lost;
  }
  return outage;
}

}  // namespace failoverd::bench
