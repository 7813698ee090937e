// The control socket: a UNIX stream socket speaking a line protocol that
// scripts can parse. A request is one line of words ("status", "dialplan test
// 912125550100 --context phones"); `--json` anywhere asks for JSON. A reply is
// a status line ("ok" or "error: MESSAGE"), body lines, and a line holding a
// single "." (body lines that start with "." are sent with one more "."). The
// server lives on the control thread's loop; commands run there and must not
// block. ControlClient is a blocking client for outpostctl and tests.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "core/handle.hpp"
#include "core/result.hpp"

namespace outpost::core {

struct ControlRequest {
  std::vector<std::string> args;  // the command's own words, after its name
  bool json = false;
  std::string line;  // as received, for logs

  // "--name VALUE" or "--name=VALUE" among args.
  std::optional<std::string> option(const std::string& name) const;
  bool flag(const std::string& name) const;
  // args with options (and their values) removed.
  std::vector<std::string> positional(const std::vector<std::string>& valueOptions = {}) const;
};

struct ControlReply {
  bool ok = true;
  std::string error;
  nlohmann::json body = nlohmann::json::object();
  std::optional<std::string> text;  // replaces the generic text rendering
  bool json = false;                // the request asked for JSON

  static ControlReply success(nlohmann::json body = nlohmann::json::object()) {
    ControlReply r;
    r.body = std::move(body);
    return r;
  }
  static ControlReply failure(std::string message) {
    ControlReply r;
    r.ok = false;
    r.error = std::move(message);
    return r;
  }
};

// Generic text form of a JSON body: "key: value" lines, nested keys dotted,
// arrays of objects one "k=v k=v" line per element.
std::string renderText(const nlohmann::json& body);

class ControlServer {
 public:
  using Handler = std::function<ControlReply(const ControlRequest&)>;

  explicit ControlServer(EventLoop& loop);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds `path` (mode 0660). A stale socket left by a dead process is
  // replaced; a live one (another daemon answering) is an error.
  Status listen(const std::string& path);
  const std::string& path() const { return path_; }

  // `name` may be several words ("dialplan test"); the longest registered
  // name that prefixes the request wins.
  void addCommand(const std::string& name, const std::string& usage, const std::string& help,
                  Handler handler);
  ControlReply dispatch(const std::string& line);
  size_t clientCount() const { return clients_.size(); }

  static constexpr size_t kMaxLine = 64 * 1024;
  static constexpr size_t kMaxClients = 64;

 private:
  struct Command {
    std::string usage;
    std::string help;
    Handler handler;
  };
  struct Client {
    UniqueFd fd;
    FdWatch watch;
    std::string in;
    std::string out;
    bool closing = false;
  };
  void onAccept();
  void onClient(Client* c, unsigned events);
  void flushClient(Client* c);
  void dropClient(Client* c);
  ControlReply help() const;

  EventLoop& loop_;
  std::string path_;
  UniqueFd listen_fd_;
  FdWatch listen_watch_;
  std::map<std::string, Command> commands_;
  std::map<Client*, std::unique_ptr<Client>> clients_;
};

struct ControlResponse {
  bool ok = false;
  std::string error;
  std::vector<std::string> lines;
  std::string body() const;  // lines joined with '\n'
};

class ControlClient {
 public:
  static Result<ControlClient> connect(const std::string& path,
                                       Duration timeout = std::chrono::seconds(5));
  Result<ControlResponse> request(const std::string& line,
                                  Duration timeout = std::chrono::seconds(30));

 private:
  UniqueFd fd_;
  std::string buffer_;
};

}  // namespace outpost::core
