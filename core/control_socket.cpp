#include "core/control_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/log.hpp"
#include "core/strings.hpp"

namespace outpost::core {

namespace {

bool fillAddr(const std::string& path, sockaddr_un& addr) {
  addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return true;
}

std::string scalarText(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

std::string pairText(const std::string& k, const nlohmann::json& v) {
  std::string s = v.is_structured() ? v.dump() : scalarText(v);
  return k + "=" + quoteWord(s);
}

void renderInto(const nlohmann::json& v, const std::string& prefix, std::string& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
      renderInto(it.value(), key, out);
    }
  } else if (v.is_array()) {
    bool objects = !v.empty() && v.front().is_object();
    if (!objects) {
      std::vector<std::string> items;
      for (const auto& e : v)
        items.push_back(scalarText(e));
      out += prefix + ": " + join(items, ", ") + "\n";
      return;
    }
    for (const auto& e : v) {
      std::string line = prefix + ":";
      for (auto it = e.begin(); it != e.end(); ++it)
        line += " " + pairText(it.key(), it.value());
      out += line + "\n";
    }
  } else {
    out += (prefix.empty() ? std::string("value") : prefix) + ": " + scalarText(v) + "\n";
  }
}

void setNonBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

}  // namespace

std::optional<std::string> ControlRequest::option(const std::string& name) const {
  std::string dashed = "--" + name;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == dashed && i + 1 < args.size()) return args[i + 1];
    if (startsWith(args[i], dashed + "=")) return args[i].substr(dashed.size() + 1);
  }
  return std::nullopt;
}

bool ControlRequest::flag(const std::string& name) const {
  for (const auto& a : args) {
    if (a == "--" + name) return true;
  }
  return false;
}

std::vector<std::string> ControlRequest::positional(
    const std::vector<std::string>& valueOptions) const {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (startsWith(args[i], "--")) {
      std::string name = args[i].substr(2);
      if (name.find('=') == std::string::npos &&
          std::find(valueOptions.begin(), valueOptions.end(), name) != valueOptions.end()) {
        ++i;  // skip its value
      }
      continue;
    }
    out.push_back(args[i]);
  }
  return out;
}

std::string renderText(const nlohmann::json& body) {
  std::string out;
  if (body.is_object() && body.empty()) return out;
  renderInto(body, "", out);
  return out;
}

ControlServer::ControlServer(EventLoop& loop) : loop_(loop) {
  addCommand("help", "help", "list the commands this daemon answers",
             [this](const ControlRequest&) { return help(); });
}

ControlServer::~ControlServer() {
  clients_.clear();
  listen_watch_.cancel();
  if (listen_fd_) {
    listen_fd_.reset();
    ::unlink(path_.c_str());
  }
}

Status ControlServer::listen(const std::string& path) {
  sockaddr_un addr;
  if (!fillAddr(path, addr)) return invalidArgument("control socket path too long: " + path);
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);

  // Is somebody already answering there?
  {
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      return Error{ErrorCode::kAlreadyExists,
                   "control socket " + path + " is in use by another running process"};
    }
  }
  ::unlink(path.c_str());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return errnoError("socket", errno);
  mode_t old = ::umask(0117);
  int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (rc != 0) return errnoError("bind " + path, errno);
  if (::listen(fd.get(), 16) != 0) return errnoError("listen " + path, errno);
  path_ = path;
  listen_fd_ = std::move(fd);
  listen_watch_ = loop_.watchFd(listen_fd_.get(), kReadable, [this](unsigned) { onAccept(); });
  return Status::ok();
}

void ControlServer::addCommand(const std::string& name, const std::string& usage,
                               const std::string& help, Handler handler) {
  commands_[name] = Command{usage, help, std::move(handler)};
}

ControlReply ControlServer::help() const {
  nlohmann::json list = nlohmann::json::array();
  std::string text;
  for (const auto& [name, c] : commands_) {
    list.push_back({{"command", name}, {"usage", c.usage}, {"help", c.help}});
    text += c.usage + "\n    " + c.help + "\n";
  }
  ControlReply r = ControlReply::success({{"commands", list}});
  r.text = text;
  return r;
}

ControlReply ControlServer::dispatch(const std::string& line) {
  auto words = splitCommandLine(line);
  if (!words) return ControlReply::failure("unterminated quote in command");
  bool json = false;
  std::vector<std::string> args;
  for (auto& w : *words) {
    if (w == "--json") {
      json = true;
    } else {
      args.push_back(std::move(w));
    }
  }
  if (args.empty()) return ControlReply::failure("empty command (try 'help')");
  // Longest registered name that prefixes the words.
  const Command* cmd = nullptr;
  size_t used = 0;
  for (size_t n = std::min<size_t>(args.size(), 4); n >= 1 && !cmd; --n) {
    std::vector<std::string> head(args.begin(), args.begin() + static_cast<long>(n));
    auto it = commands_.find(join(head, " "));
    if (it != commands_.end()) {
      cmd = &it->second;
      used = n;
    }
  }
  if (!cmd) {
    std::vector<std::string> names;
    for (const auto& [n, c] : commands_)
      names.push_back(n);
    std::string msg = "unknown command '" + args[0] + "'";
    std::string tried = args.size() > 1 ? args[0] + " " + args[1] : args[0];
    if (auto s = suggest(tried, names)) {
      msg += " (did you mean '" + *s + "'?)";
    } else if (auto s1 = suggest(args[0], names)) {
      msg += " (did you mean '" + *s1 + "'?)";
    }
    return ControlReply::failure(msg + "; 'help' lists the commands");
  }
  ControlRequest req;
  req.args.assign(args.begin() + static_cast<long>(used), args.end());
  req.json = json;
  req.line = line;
  try {
    ControlReply r = cmd->handler(req);
    r.json = json;
    return r;
  } catch (const std::exception& e) {
    OUTPOST_LOG(Error, "control") << "command '" << line << "' failed: " << e.what();
    return ControlReply::failure(std::string("internal error: ") + e.what());
  }
}

void ControlServer::onAccept() {
  for (;;) {
    int cfd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0) return;
    if (clients_.size() >= kMaxClients) {
      static const char kBusy[] = "error: too many control connections\n.\n";
      ssize_t r = ::send(cfd, kBusy, sizeof kBusy - 1, MSG_NOSIGNAL);
      (void)r;
      ::close(cfd);
      continue;
    }
    auto c = std::make_unique<Client>();
    c->fd.reset(cfd);
    Client* raw = c.get();
    c->watch = loop_.watchFd(cfd, kReadable, [this, raw](unsigned ev) { onClient(raw, ev); });
    clients_.emplace(raw, std::move(c));
  }
}

void ControlServer::onClient(Client* c, unsigned events) {
  if (events & kWritable) flushClient(c);
  if (!clients_.count(c)) return;
  if (!(events & (kReadable | kHangup | kError))) return;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(c->fd.get(), buf, sizeof buf, 0);
    if (n > 0) {
      c->in.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      c->closing = true;
    }
    break;
  }
  size_t pos;
  while ((pos = c->in.find('\n')) != std::string::npos) {
    std::string line = c->in.substr(0, pos);
    c->in.erase(0, pos + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    ControlReply r = dispatch(line);
    std::string out = r.ok ? "ok\n" : "error: " + r.error + "\n";
    std::string body;
    if (r.ok) {
      if (r.json) {
        // Replies can echo what a client sent; bytes that are not UTF-8 are
        // replaced rather than throwing on the loop.
        body = r.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      } else {
        body = r.text ? *r.text : renderText(r.body);
        if (!body.empty() && body.back() != '\n') body += '\n';
      }
    }
    size_t start = 0;
    while (start < body.size()) {
      size_t nl = body.find('\n', start);
      if (nl == std::string::npos) nl = body.size();
      std::string_view l(body.data() + start, nl - start);
      if (!l.empty() && l[0] == '.') out += '.';
      out += l;
      out += '\n';
      start = nl + 1;
    }
    out += ".\n";
    c->out += out;
  }
  if (c->in.size() > kMaxLine) {
    c->out += "error: command line longer than 64 KiB\n.\n";
    c->in.clear();
    c->closing = true;
  }
  flushClient(c);
}

void ControlServer::flushClient(Client* c) {
  while (!c->out.empty()) {
    ssize_t n = ::send(c->fd.get(), c->out.data(), c->out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c->out.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    dropClient(c);
    return;
  }
  if (c->out.empty() && c->closing) {
    dropClient(c);
    return;
  }
  loop_.setFdEvents(c->watch, c->out.empty() ? kReadable : (kReadable | kWritable));
}

void ControlServer::dropClient(Client* c) {
  auto it = clients_.find(c);
  if (it == clients_.end()) return;
  auto owned = std::move(it->second);
  clients_.erase(it);
  owned->watch.cancel();
  // The Client may be the one whose callback is running: free it after.
  loop_.post([owned = std::shared_ptr<Client>(std::move(owned))]() {});
}

std::string ControlResponse::body() const {
  return join(lines, "\n");
}

Result<ControlClient> ControlClient::connect(const std::string& path, Duration timeout) {
  sockaddr_un addr;
  if (!fillAddr(path, addr)) return invalidArgument("control socket path too long: " + path);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      ControlClient c;
      c.fd_ = std::move(fd);
      setNonBlocking(c.fd_.get());
      return c;
    }
    int err = errno;
    if (std::chrono::steady_clock::now() >= deadline ||
        (err != EAGAIN && err != ECONNREFUSED && err != ENOENT)) {
      return Error{ErrorCode::kUnavailable,
                   "cannot connect to control socket " + path + ": " + std::strerror(err) +
                       " (is outpostd running? -s/OUTPOST_SOCKET select the socket)"};
    }
    ::usleep(20'000);
  }
}

Result<ControlResponse> ControlClient::request(const std::string& line, Duration timeout) {
  std::string out = line + "\n";
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto waitFor = [&](short ev) -> Status {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return unavailable("control socket: no answer in time");
    pollfd p{fd_.get(), ev, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc == 0) return unavailable("control socket: no answer in time");
    if (rc < 0 && errno != EINTR) return errnoError("poll", errno);
    return Status::ok();
  };
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = ::send(fd_.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (Status s = waitFor(POLLOUT); !s) return s;
    } else {
      return errnoError("control socket send", errno);
    }
  }
  ControlResponse resp;
  bool haveStatus = false;
  for (;;) {
    size_t nl;
    while ((nl = buffer_.find('\n')) != std::string::npos) {
      std::string l = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!haveStatus) {
        haveStatus = true;
        resp.ok = l == "ok";
        if (!resp.ok) resp.error = startsWith(l, "error: ") ? l.substr(7) : l;
        continue;
      }
      if (l == ".") return resp;
      if (!l.empty() && l[0] == '.') l.erase(0, 1);
      resp.lines.push_back(std::move(l));
    }
    if (Status s = waitFor(POLLIN); !s) return s;
    char buf[8192];
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n > 0) {
      buffer_.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      return unavailable("control socket closed before the reply ended");
    } else if (errno != EAGAIN && errno != EINTR) {
      return errnoError("control socket recv", errno);
    }
  }
}

}  // namespace outpost::core
