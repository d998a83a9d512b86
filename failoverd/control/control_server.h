// ControlServer: serves the control socket (see control_protocol.h for the
// protocol). It owns the listening socket and every client connection, reads
// one request line per client, hands it with the client's credentials to the
// Handler the daemon gives it, and writes the reply. Clients that sent
// `events follow` stay connected and receive every Broadcast() event. It knows
// no commands itself: deciding what a request means, and whether the peer may
// make it (CanChangeState), is the handler's job. Owned by the daemon; runs on
// the daemon's EventLoop and must outlive nothing but its own clients.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "failoverd/common/clock.h"
#include "failoverd/common/status.h"
#include "failoverd/control/control_access.h"
#include "failoverd/control/control_protocol.h"
#include "failoverd/runtime/event_loop.h"

namespace spdlog {
class logger;
}

namespace failoverd {

class ControlServer {
 public:
  // Answers one request. For `events follow` an ok reply turns the client into
  // a follower and no reply line is written; if its result is an array, each
  // element is first sent as an {"event":...} line (recent history). Anything
  // the handler throws becomes an "internal error" reply.
  using Handler = std::function<Reply(const Request&, const PeerCred&)>;

  // A request must be complete this long after the client connected (a
  // deadline rather than an idle timer, so a client dribbling one byte at a
  // time cannot hold a connection open either).
  static constexpr Millis kRequestTimeout{5000};
  // How long a client may take to read its reply; one that does not is dropped.
  // Nothing is ever written blocking: what the socket does not take at once waits in
  // the client's own buffer until the socket is writable again.
  static constexpr Millis kSendTimeout{5000};
  // What may wait in one client's buffer (a reply, an `events follow` backlog, events a
  // follower has not read yet); a client with more is dropped.
  static constexpr size_t kMaxQueuedBytes = 2 * 1024 * 1024;
  // Connections beyond this many are answered with an error and closed.
  static constexpr size_t kMaxClients = 64;
  // Slots beyond kMaxClients that only root may take: connections of others, idle or
  // reopened as fast as they are dropped, never keep the administrator out.
  static constexpr size_t kRootReserve = 8;

  ControlServer(EventLoop& loop, const Clock& clock, std::string socket_path,
                std::string group_name, Handler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Creates the socket's directory (0755) if missing, replaces a stale socket
  // file, binds, sets mode 0660 and group `group_name`, listens and starts
  // accepting through the event loop. Refuses a path held by a live server or
  // by something that is not a socket.
  Status Listen();

  // Sends `event` as one {"event":...} line to every `events follow` client.
  // A client too slow to take it is disconnected rather than waited for.
  void Broadcast(const nlohmann::json& event);

  // True when `peer` may run state-changing commands: uid 0 or a member of the
  // control group.
  bool CanChangeState(const PeerCred& peer) const;

  // Closes every client and the listening socket and removes the socket file.
  // Called by the destructor; safe to call twice.
  void Close();

  // Replace kRequestTimeout (for clients accepted from now on) and kSendTimeout (tests use them).
  void set_request_timeout(Millis timeout) { request_timeout_ = timeout; }
  void set_send_timeout(Millis timeout) { send_timeout_ = timeout; }

  const std::string& socket_path() const { return socket_path_; }
  size_t client_count() const { return clients_.size(); }
  size_t follower_count() const;

 private:
  struct Client {
    int fd = -1;
    uint64_t serial = 0;  // tells a reused fd's timer from this client's
    PeerCred peer;
    std::string buffer;  // bytes of the request line received so far
    EventLoop::TimerId deadline_timer = 0;
    bool following = false;  // sent `events follow`; now only receives events
    bool answered = false;   // its one request was answered; what it sends now is ignored
    std::string out;         // written to the client as its socket takes it
    bool close_when_sent = false;  // a one-shot reply: close once `out` is delivered
    EventLoop::TimerId send_timer = 0;  // drops a client that does not read its reply
  };

  Status PrepareDirectory() const;
  Status RemoveStaleSocket() const;
  void AcceptClients();
  void AcceptOne(int fd);
  void OnClientReadable(int fd);
  void OnRequestDeadline(int fd, uint64_t serial);
  void HandleLine(int fd, const std::string& line);
  Reply CallHandler(const Request& request, const PeerCred& peer);
  // Queues `data` for a client and writes what its socket takes now, never blocking;
  // with `then_close` the client is closed once everything is delivered. A client
  // whose queue would grow past kMaxQueuedBytes is dropped.
  void Send(int fd, const std::string& data, bool then_close);
  void Flush(int fd);  // writes what waits, as far as the socket takes it
  // Writes `data` only if the socket takes all of it at once (to a client about to be dropped).
  bool SendNow(int fd, const std::string& data) const;
  void DropClient(int fd);

  EventLoop& loop_;
  const Clock& clock_;
  const std::string socket_path_;
  const std::string group_name_;
  Handler handler_;
  std::shared_ptr<spdlog::logger> logger_;
  Millis request_timeout_ = kRequestTimeout;
  Millis send_timeout_ = kSendTimeout;
  int listen_fd_ = -1;
  bool bound_ = false;  // the socket file at socket_path_ is ours to unlink
  EventLoop::TimerId accept_retry_timer_ = 0;
  std::optional<gid_t> control_gid_;
  uint64_t next_serial_ = 1;
  std::map<int, Client> clients_;
};

}  // namespace failoverd
