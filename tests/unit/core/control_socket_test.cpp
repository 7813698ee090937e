#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <future>
#include <thread>

#include "core/control_socket.hpp"
#include "tests/support/process.hpp"

using namespace outpost::core;
using outpost::test::TempDir;
using namespace std::chrono_literals;

namespace {
struct Fixture {
  SofiaInit su;
  TempDir dir;
  EventLoop loop;
  ControlServer server{loop};
  std::string path = dir.file("ctl.sock");

  Fixture() {
    server.addCommand("status", "status", "how things are", [](const ControlRequest&) {
      return ControlReply::success(
          {{"version", "1.2"}, {"spans", {{{"name", "1"}, {"state", "up"}}}}, {"uptime_s", 5}});
    });
    server.addCommand(
        "dialplan test", "dialplan test NUMBER --context C", "trace a number",
        [](const ControlRequest& r) {
          auto pos = r.positional({"context"});
          return ControlReply::success({{"number", pos.empty() ? "" : pos[0]},
                                        {"context", r.option("context").value_or("")}});
        });
    server.addCommand("dots", "dots", "lines that start with dots", [](const ControlRequest&) {
      ControlReply rep;
      rep.text = ".\n..x\n.y\nz";
      return rep;
    });
    BOOST_REQUIRE(server.listen(path).isOk());
  }

  // Runs a blocking client on another thread while the loop serves.
  Result<ControlResponse> ask(const std::string& line) {
    auto fut = std::async(std::launch::async, [this, line]() -> Result<ControlResponse> {
      auto c = ControlClient::connect(path, 2s);
      if (!c) return c.error();
      return c->request(line, 5s);
    });
    loop.runUntil([&] { return fut.wait_for(0s) == std::future_status::ready; }, 10s);
    return fut.get();
  }
};
}  // namespace

BOOST_FIXTURE_TEST_SUITE(control_socket, Fixture)

BOOST_AUTO_TEST_CASE(text_reply_is_flat_key_value_lines) {
  auto r = ask("status");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->ok);
  BOOST_TEST(r->body() == "spans: name=1 state=up\nuptime_s: 5\nversion: 1.2");
}

BOOST_AUTO_TEST_CASE(json_reply_parses) {
  auto r = ask("status --json");
  BOOST_REQUIRE(r);
  BOOST_REQUIRE(r->lines.size() == 1u);
  auto j = nlohmann::json::parse(r->lines[0]);
  BOOST_TEST(j["version"] == "1.2");
  BOOST_TEST(j["spans"][0]["state"] == "up");
}

BOOST_AUTO_TEST_CASE(multi_word_commands_and_options) {
  auto r = ask("dialplan test 912125550100 --context phones");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->body() == "context: phones\nnumber: 912125550100");
}

BOOST_AUTO_TEST_CASE(unknown_command_is_an_error_with_a_suggestion) {
  auto r = ask("stauts");
  BOOST_REQUIRE(r);
  BOOST_TEST(!r->ok);
  BOOST_TEST(r->error ==
             "unknown command 'stauts' (did you mean 'status'?); 'help' lists the commands");
}

BOOST_AUTO_TEST_CASE(body_lines_starting_with_a_dot_survive_framing) {
  auto r = ask("dots");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->body() == ".\n..x\n.y\nz");
}

BOOST_AUTO_TEST_CASE(garbage_and_oversized_lines_leave_the_server_serving) {
  auto junk = std::async(std::launch::async, [this] {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path.c_str());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return std::string();
    std::string big(100 * 1024, '\x01');
    (void)::send(fd, big.data(), big.size(), MSG_NOSIGNAL);
    char buf[256] = {};
    ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
  });
  loop.runUntil([&] { return junk.wait_for(0s) == std::future_status::ready; }, 10s);
  BOOST_TEST(junk.get().find("error: command line longer than 64 KiB") == 0u);
  auto r = ask("status");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->ok);
  auto q = ask("status \"unterminated");
  BOOST_REQUIRE(q);
  BOOST_TEST(q->error == "unterminated quote in command");
}

BOOST_AUTO_TEST_CASE(a_live_socket_is_not_stolen_but_a_stale_one_is_replaced) {
  ControlServer second(loop);
  Status s = second.listen(path);
  BOOST_TEST(!s.isOk());
  BOOST_TEST(s.message().find("in use by another running process") != std::string::npos);

  std::string stale = dir.file("stale.sock");
  {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, stale.c_str());
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    ::close(fd);  // the file stays, nobody listens
  }
  ControlServer third(loop);
  BOOST_TEST(third.listen(stale).isOk());
}

BOOST_AUTO_TEST_CASE(no_daemon_gives_a_clear_error) {
  auto c = ControlClient::connect(dir.file("nobody.sock"), 100ms);
  BOOST_REQUIRE(!c);
  BOOST_TEST(c.error().message.find("is outpostd running?") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
