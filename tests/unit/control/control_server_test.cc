// ControlServer on a real unix socket in a private temporary directory, driven
// by a real EventLoop. The test is the client: it connects, writes, then runs
// the loop until the server has answered (or a deadline passes).
#include "failoverd/control/control_server.h"

#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "failoverd/common/clock.h"
#include "failoverd/runtime/event_loop.h"

namespace failoverd {
namespace {

using ::nlohmann::json;
using namespace std::chrono_literals;

std::string GroupName(gid_t gid) {
  const group* entry = getgrgid(gid);
  return entry != nullptr ? entry->gr_name : "root";
}

// A connected client socket; closed when it goes out of scope.
class TestClient {
 public:
  explicit TestClient(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    connected_ = connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
    // Never let a broken server hang the test.
    timeval timeout{2, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~TestClient() { Close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  bool Write(const std::string& data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  bool Readable() const {
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, 0) > 0;
  }
  // The next line with its '\n'; std::nullopt at EOF or error.
  std::optional<std::string> ReadLine() {
    while (true) {
      const size_t newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline + 1);
        buffer_.erase(0, newline + 1);
        return line;
      }
      char chunk[4096];
      const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  // True when the server has closed the connection and nothing is left to read.
  bool AtEof() {
    char c = 0;
    const ssize_t n = recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/fod-control-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr) << std::strerror(errno);
    dir_ = dir_template;
    // Two levels that do not exist yet: Listen() must create them.
    socket_path_ = dir_ + "/run/failoverd/control.sock";
    group_ = GroupName(getegid());
    ASSERT_TRUE(loop_.Init().ok());
  }

  void TearDown() override {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  ControlServer& StartServer(ControlServer::Handler handler) {
    server_ =
        std::make_unique<ControlServer>(loop_, clock_, socket_path_, group_, std::move(handler));
    const Status listening = server_->Listen();
    EXPECT_TRUE(listening.ok()) << listening.message();
    return *server_;
  }

  // A handler that records what it was asked and answers `reply`.
  ControlServer::Handler Recording(Reply reply) {
    return [this, reply](const Request& request, const PeerCred& peer) {
      requests_.push_back(request.words);
      last_peer_ = peer;
      return reply;
    };
  }

  // Runs the loop until `done()` holds or `limit` passes; returns done().
  bool RunUntil(const std::function<bool()>& done, Millis limit = Millis{5000}) {
    const MonoTime deadline = clock_.Now() + limit;
    std::function<void()> check = [&] {
      if (done() || clock_.Now() > deadline) {
        loop_.Stop();
        return;
      }
      loop_.AddTimer(clock_.Now() + 2ms, check);
    };
    loop_.AddTimer(clock_.Now(), check);
    EXPECT_TRUE(loop_.Run().ok());
    return done();
  }

  bool RunUntilReadable(TestClient& client) {
    return RunUntil([&] { return client.Readable(); });
  }

  SystemClock clock_;
  EventLoop loop_{clock_};
  std::string dir_;
  std::string socket_path_;
  std::string group_;
  std::unique_ptr<ControlServer> server_;
  std::vector<std::vector<std::string>> requests_;
  PeerCred last_peer_;
};

TEST_F(ControlServerTest, ListenCreatesDirectoryAndSocketWithMode0660) {
  StartServer(Recording(Reply::Ok()));
  struct stat st {};
  ASSERT_EQ(lstat(socket_path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_EQ(st.st_gid, getegid());

  struct stat dir_st {};
  ASSERT_EQ(stat((dir_ + "/run/failoverd").c_str(), &dir_st), 0);
  EXPECT_EQ(dir_st.st_mode & 07777, 0755u);
}

TEST_F(ControlServerTest, StatusRequestGetsTheHandlersJsonLine) {
  const json result = {{"bridges", json::array()}, {"firewall", {{"zero_phase", true}}}};
  StartServer(Recording(Reply::Ok(result)));
  TestClient client(socket_path_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Write("status\n"));
  ASSERT_TRUE(RunUntilReadable(client));

  const auto line = client.ReadLine();
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line, FormatOk(result));
  EXPECT_EQ(json::parse(*line)["result"], result);
  EXPECT_TRUE(client.AtEof()) << "exactly one line, then the server closes";

  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(requests_[0], std::vector<std::string>{"status"});
  EXPECT_EQ(last_peer_.pid, getpid());
  EXPECT_EQ(last_peer_.uid, geteuid());
  EXPECT_EQ(last_peer_.gid, getegid());
  EXPECT_TRUE(RunUntil([&] { return server_->client_count() == 0; }));
}

TEST_F(ControlServerTest, RequestSplitAcrossWrites) {
  StartServer(Recording(Reply::Ok(json{{"message", "hweth1 attached to eth0"}})));
  TestClient client(socket_path_);
  ASSERT_TRUE(client.Write("attach hwe"));
  ASSERT_TRUE(RunUntil([&] { return server_->client_count() == 1; }));
  ASSERT_TRUE(client.Write("th1 eth0\n"));
  ASSERT_TRUE(RunUntilReadable(client));
  EXPECT_EQ(client.ReadLine(),
            "{\"ok\":true,\"result\":{\"message\":\"hweth1 attached to eth0\"}}\n");
  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(requests_[0], (std::vector<std::string>{"attach", "hweth1", "eth0"}));
}

TEST_F(ControlServerTest, RefusalIsAnErrorLine) {
  StartServer(Recording(Reply::Error("no such NIC hweth9")));
  TestClient client(socket_path_);
  ASSERT_TRUE(client.Write("probe hweth9\n"));
  ASSERT_TRUE(RunUntilReadable(client));
  EXPECT_EQ(client.ReadLine(), "{\"ok\":false,\"error\":\"no such NIC hweth9\"}\n");
}

TEST_F(ControlServerTest, OverLongLineIsRejected) {
  StartServer(Recording(Reply::Ok()));
  TestClient client(socket_path_);
  ASSERT_TRUE(client.Write(std::string(kMaxRequestBytes + 100, 'x')));
  ASSERT_TRUE(RunUntilReadable(client));
  EXPECT_EQ(client.ReadLine(), "{\"ok\":false,\"error\":\"request longer than 4096 bytes\"}\n");
  EXPECT_TRUE(client.AtEof());
  EXPECT_TRUE(requests_.empty());
  EXPECT_EQ(server_->client_count(), 0u);
}

TEST_F(ControlServerTest, LineOfExactlyTheLimitIsAccepted) {
  StartServer(Recording(Reply::Ok()));
  TestClient client(socket_path_);
  ASSERT_TRUE(client.Write("probe " + std::string(kMaxRequestBytes - 7, 'x') + "\n"));
  ASSERT_TRUE(RunUntilReadable(client));
  EXPECT_EQ(client.ReadLine(), "{\"ok\":true,\"result\":null}\n");
  EXPECT_EQ(requests_.size(), 1u);
}

TEST_F(ControlServerTest, MalformedRequestIsRejected) {
  StartServer(Recording(Reply::Ok()));
  TestClient client(socket_path_);
  ASSERT_TRUE(client.Write("attach  hweth1\n"));
  ASSERT_TRUE(RunUntilReadable(client));
  const auto line = client.ReadLine();
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(json::parse(*line)["ok"], false);
  EXPECT_TRUE(requests_.empty());
}

TEST_F(ControlServerTest, SilentClientIsDroppedAfterTheRequestTimeout) {
  ControlServer& server = StartServer(Recording(Reply::Ok()));
  server.set_request_timeout(Millis{50});
  TestClient client(socket_path_);
  ASSERT_TRUE(client.Write("stat"));
  ASSERT_TRUE(RunUntilReadable(client));
  EXPECT_EQ(client.ReadLine(),
            "{\"ok\":false,\"error\":\"timed out waiting for the request line\"}\n");
  EXPECT_TRUE(requests_.empty());
  EXPECT_EQ(server.client_count(), 0u);
}

TEST_F(ControlServerTest, HandlerExceptionBecomesAnErrorReply) {
  StartServer([](const Request&, const PeerCred&) -> Reply { throw std::runtime_error("boom"); });
  TestClient client(socket_path_);
  ASSERT_TRUE(client.Write("plan\n"));
  ASSERT_TRUE(RunUntilReadable(client));
  EXPECT_EQ(client.ReadLine(), "{\"ok\":false,\"error\":\"internal error: boom\"}\n");
}

TEST_F(ControlServerTest, FollowersGetBacklogAndBroadcasts) {
  const json old_event = {{"time", "2026-11-22T03:00:00Z"}, {"kind", "role"}, {"message", "old"}};
  ControlServer& server = StartServer(Recording(Reply::Ok(json::array({old_event}))));
  TestClient follower(socket_path_);
  ASSERT_TRUE(follower.Write("events follow\n"));
  ASSERT_TRUE(RunUntilReadable(follower));
  EXPECT_EQ(follower.ReadLine(), FormatEvent(old_event));
  EXPECT_EQ(server.follower_count(), 1u);

  const json new_event = {{"time", "2026-11-22T03:00:01Z"}, {"kind", "bridge"}, {"message", "new"}};
  server.Broadcast(new_event);
  EXPECT_EQ(follower.ReadLine(), FormatEvent(new_event));

  // An ordinary client is not a follower and gets nothing broadcast.
  TestClient other(socket_path_);
  ASSERT_TRUE(other.Write("status\n"));
  ASSERT_TRUE(RunUntilReadable(other));
  EXPECT_EQ(other.ReadLine(), "{\"ok\":true,\"result\":[" + old_event.dump() + "]}\n");

  follower.Close();
  EXPECT_TRUE(RunUntil([&] { return server.client_count() == 0; }));
  server.Broadcast(new_event);  // nobody left; must not fail
}

// Nothing a client does (or fails to do) makes the daemon wait (issue 15): a reply larger
// than the socket takes at once waits in the client's buffer while other clients are
// served; a client that never reads it is dropped; so is a follower that lets its events
// pile up past the limit.
TEST_F(ControlServerTest, AClientThatDoesNotReadNeverHoldsTheLoop) {
  const std::string big(600 * 1024, 'x');  // more than a unix socket's buffer
  auto& server = StartServer([&](const Request& request, const PeerCred&) {
    return request.words[0] == "big" ? Reply::Ok(big) : Reply::Ok("small");
  });
  TestClient slow(socket_path_);
  ASSERT_TRUE(slow.Write("big\n"));
  ASSERT_TRUE(RunUntil([&] { return server.client_count() == 1 && slow.Readable(); }));
  // The slow client has not read a byte; another one is answered at once.
  TestClient quick(socket_path_);
  ASSERT_TRUE(quick.Write("status\n"));
  const MonoTime asked = clock_.Now();
  ASSERT_TRUE(RunUntilReadable(quick));
  EXPECT_LT(clock_.Now() - asked, Millis{1000});
  EXPECT_EQ(json::parse(*quick.ReadLine())["result"], "small");
  // The slow one gets all of it when it reads, then the connection closes.
  const auto line = [&] {
    std::optional<std::string> got;
    std::thread reader([&] { got = slow.ReadLine(); });
    RunUntil([&] { return server.client_count() == 0; });
    reader.join();
    return got;
  }();
  ASSERT_TRUE(line);
  EXPECT_EQ(json::parse(*line)["result"].get<std::string>().size(), big.size());
}

TEST_F(ControlServerTest, AClientThatNeverReadsItsReplyIsDropped) {
  const std::string big(600 * 1024, 'x');
  auto& server = StartServer([&](const Request&, const PeerCred&) { return Reply::Ok(big); });
  server.set_send_timeout(Millis{300});
  TestClient slow(socket_path_);
  ASSERT_TRUE(slow.Write("status\n"));
  EXPECT_TRUE(RunUntil([&] { return server.client_count() == 0; }, Millis{3000}));
}

TEST_F(ControlServerTest, AFollowerThatDoesNotReadIsDroppedWithoutWaiting) {
  auto& server = StartServer(Recording(Reply::Ok(json::array())));
  TestClient follower(socket_path_);
  ASSERT_TRUE(follower.Write("events follow\n"));
  ASSERT_TRUE(RunUntil([&] { return server.follower_count() == 1; }));
  const json event = {{"kind", "x"}, {"message", std::string(64 * 1024, 'm')}};
  const MonoTime start = clock_.Now();
  for (int i = 0; i < 64 && server.follower_count() == 1; ++i) server.Broadcast(event);
  EXPECT_LT(clock_.Now() - start, Millis{1000}) << "broadcasting never waits for a follower";
  EXPECT_EQ(server.follower_count(), 0u) << "dropped once its unread events passed the limit";
}

TEST_F(ControlServerTest, RefusedFollowGetsAnErrorLine) {
  ControlServer& server = StartServer(Recording(Reply::Error("not allowed")));
  TestClient client(socket_path_);
  ASSERT_TRUE(client.Write("events follow\n"));
  ASSERT_TRUE(RunUntilReadable(client));
  EXPECT_EQ(client.ReadLine(), "{\"ok\":false,\"error\":\"not allowed\"}\n");
  EXPECT_EQ(server.follower_count(), 0u);
}

TEST_F(ControlServerTest, StaleSocketIsReplaced) {
  std::filesystem::create_directories(dir_ + "/run/failoverd");
  {
    // Bound and closed without a listener: what a crashed daemon leaves behind.
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_path_.c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
    close(fd);
  }
  StartServer(Recording(Reply::Ok()));
  TestClient client(socket_path_);
  EXPECT_TRUE(client.connected());
}

TEST_F(ControlServerTest, LiveSocketIsNotStolen) {
  StartServer(Recording(Reply::Ok()));
  ControlServer second(loop_, clock_, socket_path_, group_, Recording(Reply::Ok()));
  const Status status = second.Listen();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("in use"), std::string::npos) << status.message();
  second.Close();
  TestClient client(socket_path_);
  EXPECT_TRUE(client.connected()) << "the first server's socket must survive";
}

TEST_F(ControlServerTest, NonSocketAtThePathIsRefused) {
  std::filesystem::create_directories(dir_ + "/run/failoverd");
  std::ofstream(socket_path_) << "precious\n";
  ControlServer server(loop_, clock_, socket_path_, group_, Recording(Reply::Ok()));
  const Status status = server.Listen();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("not a socket"), std::string::npos) << status.message();
  EXPECT_TRUE(std::filesystem::is_regular_file(socket_path_));
}

TEST_F(ControlServerTest, UnknownGroupIsAnError) {
  ControlServer server(loop_, clock_, socket_path_, "fod-no-such-group", Recording(Reply::Ok()));
  const Status status = server.Listen();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "control_group 'fod-no-such-group': no such group");
  EXPECT_FALSE(std::filesystem::exists(socket_path_));
}

TEST_F(ControlServerTest, CloseRemovesTheSocket) {
  ControlServer& server = StartServer(Recording(Reply::Ok()));
  TestClient client(socket_path_);
  ASSERT_TRUE(RunUntil([&] { return server.client_count() == 1; }));
  server.Close();
  EXPECT_EQ(server.client_count(), 0u);
  EXPECT_FALSE(std::filesystem::exists(socket_path_));
  EXPECT_TRUE(client.AtEof());
  server.Close();  // twice is fine
}

TEST_F(ControlServerTest, CanChangeState) {
  ControlServer& server = StartServer(Recording(Reply::Ok()));
  EXPECT_TRUE(server.CanChangeState(PeerCred{1, 0, 4000000})) << "root";
  EXPECT_TRUE(server.CanChangeState(PeerCred{1, 4000000, getegid()})) << "the peer's own gid";
  // A uid with no passwd entry has no supplementary groups.
  EXPECT_FALSE(server.CanChangeState(PeerCred{1, 4000000, 4000000}));
}

}  // namespace
}  // namespace failoverd
