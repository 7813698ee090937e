#include "tests/support/gateway.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/store.hpp"

namespace outpost::test {

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool matches(const nlohmann::json& ev, const nlohmann::json& match) {
  for (auto it = match.begin(); it != match.end(); ++it) {
    if (!ev.contains(it.key()) || ev[it.key()] != it.value()) return false;
  }
  return true;
}

}  // namespace

GatewayHarness::GatewayHarness(GatewayOptions o)
    : options_(std::move(o)),
      ip_(testLoopback(10)),
      sip_port_(testPort(10)),
      hq_port_(testPort(11)) {
  dir_.write("rules.txt",
             options_.pstn_rules.empty() ? ". answer media=echo,detect\n" : options_.pstn_rules);
  std::string conf =
      "[general]\nsite = Test Branch\nstate_dir = " + dir_.path() +
      "\nlog_level = " + (options_.quiet ? std::string("warning") : options_.log_level) +
      "\n"
      "[sip]\nlisten = " +
      sipAddress() +
      "\ntransports = udp, tcp\n"
      "[peer hq]\naddress = " +
      ip_ + ":" + std::to_string(hq_port_) + "\nallow_from = " + ip_ + "\ncontext = hq\n" +
      spansConfig() + "[media]\nrtp_address = " + ip_ +
      "\nrtp_port_min = 30000\nrtp_port_max = 39998\n" + options_.media_extra +
      options_.calls_section + options_.extra_config;
  dir_.write("outpost.conf", conf);

  std::vector<std::string> pstnArgs{buildPath("pstn-sim"), "--socket", dir_.file("pstn.sock")};
  for (int n = 2; n <= options_.spans; ++n) {
    pstnArgs.push_back("--socket");
    pstnArgs.push_back(dir_.file("pstn" + std::to_string(n) + ".sock"));
  }
  std::vector<std::string> more{"--control",    dir_.file("pstn-ctl.sock"),
                                "--rules",      dir_.file("rules.txt"),
                                "--record-dir", dir_.path()};
  pstnArgs.insert(pstnArgs.end(), more.begin(), more.end());
  pstnArgs.insert(pstnArgs.end(), options_.pstn_args.begin(), options_.pstn_args.end());
  pstn_ = std::make_unique<Process>(pstnArgs);
  if (!pstnEvent("ready", {}, 10000ms)) {
    throw std::runtime_error("pstn-sim did not start: " + pstn_->allStderr());
  }
  outpostd_ = std::make_unique<Process>(
      std::vector<std::string>{buildPath("outpostd"), "-c", dir_.file("outpost.conf")});
  for (int n = 1; n <= options_.spans; ++n) {
    if (!pstnEvent("dchannel", {{"state", "up"}}, 15000ms)) {
      throw std::runtime_error("span " + std::to_string(n) +
                               " did not come up: " + outpostd_->allStderr() + pstn_->allStderr());
    }
  }
  // The control socket answers once start-up is complete.
  if (!eventually([&] { return ctl({"status"}).code == 0; }, 10000ms)) {
    throw std::runtime_error("outpostd does not answer: " + outpostd_->allStderr());
  }
}

// Every span faces pstn-sim on its own socket; all are in trunk group "pstn".
std::string GatewayHarness::spansConfig() const {
  std::string out, list;
  for (int n = 1; n <= options_.spans; ++n) {
    std::string sock = n == 1 ? "pstn.sock" : "pstn" + std::to_string(n) + ".sock";
    out += "[span " + std::to_string(n) + "]\ntype = emulated\nsocket = " + sock +
           "\nline = t1\nswitchtype = ni2\nside = cpe\n";
    if (options_.span_channels) {
      out += "bchannels = 1-" + std::to_string(options_.span_channels) + "\n";
    }
    out += options_.span_extra;
    list += (n == 1 ? "" : ", ") + std::to_string(n);
  }
  return out + "[trunkgroup pstn]\nspans = " + list + "\nhunting = descending\n";
}

GatewayHarness::~GatewayHarness() {
  if (outpostd_) outpostd_->stop(10000ms);
  if (pstn_) {
    pstn_->writeStdin("quit\n");
    pstn_->stop(3000ms);
  }
}

std::optional<nlohmann::json> GatewayHarness::pstnEvent(const std::string& name,
                                                        const nlohmann::json& match, Ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    while (consumed_ < events_.size()) {
      const nlohmann::json& ev = events_[consumed_++];
      if (ev.value("event", "") == name && matches(ev, match)) return ev;
    }
    auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto line = pstn_->readLine(left);
    if (!line) return std::nullopt;
    try {
      events_.push_back(nlohmann::json::parse(*line));
    } catch (const std::exception&) {
      // not an event line
    }
  }
}

void GatewayHarness::pstnCommand(const std::string& line) {
  pstn_->writeStdin(line + "\n");
}

RunResult GatewayHarness::ctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{buildPath("outpostctl"), "-s", dir_.file("outpost.sock")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, 15000ms);
}

nlohmann::json GatewayHarness::ctlJson(const std::vector<std::string>& args) {
  std::vector<std::string> a{"--json"};
  a.insert(a.end(), args.begin(), args.end());
  RunResult r = ctl(a);
  if (r.code != 0) return nlohmann::json();
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception&) {
    return nlohmann::json();
  }
}

std::vector<nlohmann::json> GatewayHarness::cdrs() {
  std::vector<nlohmann::json> out;
  auto db = core::Database::open(dir_.file("outpost.db"), core::Database::Mode::kReadOnly);
  if (!db) return out;
  auto st = db->prepare(
      "SELECT call_ref, direction, calling_in, called_in, calling_out, called_out, route, span, "
      "channel, released_by, q850_cause, sip_status, codec, dtmf_count, emergency, answer_at "
      "IS NOT NULL, sip_call_id FROM cdrs ORDER BY id");
  if (!st) return out;
  while (auto row = st->step()) {
    if (!*row) break;
    out.push_back({{"call_ref", st->columnText(0)},
                   {"direction", st->columnText(1)},
                   {"calling_in", st->columnText(2)},
                   {"called_in", st->columnText(3)},
                   {"calling_out", st->columnText(4)},
                   {"called_out", st->columnText(5)},
                   {"route", st->columnText(6)},
                   {"span", st->columnInt(7)},
                   {"channel", st->columnInt(8)},
                   {"released_by", st->columnText(9)},
                   {"cause", st->columnInt(10)},
                   {"sip_status", st->columnInt(11)},
                   {"codec", st->columnText(12)},
                   {"dtmf", st->columnInt(13)},
                   {"emergency", st->columnInt(14)},
                   {"answered", st->columnInt(15)},
                   {"sip_call_id", st->columnText(16)}});
  }
  return out;
}

bool GatewayHarness::waitForCdrs(size_t n, Ms timeout) {
  return eventually([&] { return cdrs().size() >= n; }, timeout);
}

SippOptions GatewayHarness::callOptions(const std::string& number, int rtpPort, int talkMs,
                                        const std::string& codecs) {
  SippOptions o;
  o.scenario = "uac_call.xml.in";
  o.vars = {{"FROM", "+12125550100"},
            {"HEADERS", ""},
            {"CODECS", codecs},
            {"TALK_MS", std::to_string(talkMs)}};
  o.service = number;
  o.extra = {"-set", "rtp_ip", ip_, "-set", "rtp_port", std::to_string(rtpPort)};
  o.timeout_s = 30 + talkMs / 1000;
  return o;
}

SippOptions GatewayHarness::answerOptions(int rtpPort, int ringMs, int hangupAfterMs,
                                          const std::string& codecs) {
  SippOptions o;
  o.scenario = hangupAfterMs ? "uas_answer_hangup.xml.in" : "uas_answer.xml.in";
  o.vars = {{"RING_MS", std::to_string(ringMs)},
            {"TALK_MS", std::to_string(hangupAfterMs)},
            {"CODECS", codecs}};
  o.extra = {"-set", "rtp_ip", ip_, "-set", "rtp_port", std::to_string(rtpPort)};
  o.timeout_s = 60;
  return o;
}

SippOptions GatewayHarness::failOptions(const std::string& number, int status, int cause) {
  SippOptions o;
  o.scenario = "uac_expect_reason.xml.in";
  o.vars = {{"STATUS", std::to_string(status)},
            {"CAUSE", std::to_string(cause)},
            {"HEADERS", ""},
            {"CHECKS", ""},
            {"REFS", ""},
            {"CODECS", "0"}};
  o.service = number;
  o.timeout_s = 40;
  return o;
}

SippResult GatewayHarness::sippCall(SippOptions o) {
  o.local_ip = ip_;
  o.remote = sipAddress();
  return runSipp(o, dir_);
}

std::unique_ptr<Process> GatewayHarness::sippHq(SippOptions o) {
  o.local_ip = ip_;
  o.local_port = hq_port_;
  o.remote = "";
  auto p = startSipp(o, dir_);
  // Ready once it holds its UDP port: until then an INVITE would be lost.
  eventually(
      [&] {
        int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(hq_port_));
        inet_pton(AF_INET, ip_.c_str(), &a.sin_addr);
        bool taken = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0;
        ::close(fd);
        return taken;
      },
      5000ms);
  return p;
}

RtpTool::RtpTool(const std::string& ip, const std::vector<std::string>& args) {
  std::vector<std::string> argv{buildPath("tests/tools/rtp-tool"), "--local", ip + ":0",
                                "--seconds", "120"};
  argv.insert(argv.end(), args.begin(), args.end());
  proc_ = std::make_unique<Process>(argv);
  auto line = proc_->readLine(5000ms);
  if (!line) throw std::runtime_error("rtp-tool did not start: " + proc_->allStderr());
  auto j = nlohmann::json::parse(*line);
  port_ = j.value("port", 0);
}

RtpTool::~RtpTool() {
  proc_->writeStdin("quit\n");
  proc_->stop(2000ms);
}

void RtpTool::command(const std::string& line) {
  proc_->writeStdin(line + "\n");
}

void RtpTool::drain(Ms timeout) {
  while (auto line = proc_->readLine(timeout)) {
    try {
      lines_.push_back(nlohmann::json::parse(*line));
    } catch (const std::exception&) {
    }
    timeout = 0ms;
  }
}

nlohmann::json RtpTool::stats(Ms timeout) {
  command("stats");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t from = lines_.size();
  while (std::chrono::steady_clock::now() < deadline) {
    drain(50ms);
    for (size_t i = from; i < lines_.size(); ++i) {
      if (lines_[i].value("event", "") == "stats") return lines_[i];
    }
  }
  return nlohmann::json();
}

std::vector<nlohmann::json> RtpTool::seen(const std::string& event) {
  drain(0ms);
  std::vector<nlohmann::json> out;
  for (const auto& l : lines_) {
    if (l.value("event", "") == event) out.push_back(l);
  }
  return out;
}

double wavToneFraction(const std::string& path, double hz) {
  std::string data = readFile(path);
  if (data.size() < 44 || data.compare(0, 4, "RIFF") != 0) return -1;
  size_t samples = (data.size() - 44) / 2;
  const size_t block = 160;
  size_t blocks = 0, hits = 0;
  double coeff = 2 * std::cos(2 * M_PI * hz / 8000.0);
  for (size_t start = 0; start + block <= samples; start += block) {
    double s1 = 0, s2 = 0, energy = 0;
    for (size_t i = 0; i < block; ++i) {
      size_t off = 44 + 2 * (start + i);
      auto v = static_cast<int16_t>(static_cast<uint8_t>(data[off]) |
                                    (static_cast<uint8_t>(data[off + 1]) << 8));
      double x = v;
      energy += x * x;
      double s0 = x + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    ++blocks;
    // The tone holds most of the block's energy (Parseval: a pure tone gives
    // power ~= energy * N / 2).
    if (energy > 1e4 && power > 0.3 * energy * block / 2) ++hits;
  }
  return blocks ? static_cast<double>(hits) / static_cast<double>(blocks) : 0;
}

}  // namespace outpost::test
