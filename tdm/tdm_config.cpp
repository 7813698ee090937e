#include "tdm/tdm_config.hpp"

#include <filesystem>
#include <map>
#include <set>

#include "core/strings.hpp"
#include "tdm/dahdi_span.hpp"
#include "tdm/system_conf.hpp"

namespace outpost::tdm {

namespace {

const std::vector<std::string> kSwitchTypes = {"ni2",         "dms100",      "5ess", "4ess",
                                               "euroisdn_e1", "euroisdn_t1", "qsig"};

struct TimerKey {
  const char* name;
  std::optional<core::Duration> PriTimers::*field;
  const char* help;
};
const TimerKey kTimers[] = {
    {"t200", &PriTimers::t200, "Q.921 retransmission timer (bare numbers are ms)"},
    {"t203", &PriTimers::t203, "Q.921 idle link supervision"},
    {"t303", &PriTimers::t303, "Q.931 SETUP sent, no answer"},
    {"t305", &PriTimers::t305, "Q.931 DISCONNECT sent, no RELEASE"},
    {"t308", &PriTimers::t308, "Q.931 RELEASE sent, no RELEASE COMPLETE"},
    {"t309", &PriTimers::t309, "answered calls survive a D-channel loss this long"},
    {"t313", &PriTimers::t313, "Q.931 CONNECT sent, no CONNECT ACKNOWLEDGE (CPE)"},
};

class Problems {
 public:
  void add(const core::SourceLocation& at, const std::string& msg) {
    list_.emplace_back(at, at.str() + ": " + msg);
  }
  void add(const core::Error& e) { list_.emplace_back(core::SourceLocation{}, e.message); }
  bool empty() const { return list_.empty(); }
  core::Error error() const {
    std::vector<std::string> lines;
    for (const auto& [at, msg] : list_)
      lines.push_back(msg);
    return core::invalidArgument(core::join(lines, "\n"));
  }

 private:
  std::vector<std::pair<core::SourceLocation, std::string>> list_;
};

std::string resolve(const std::string& path, const std::string& base) {
  if (path.empty() || path[0] == '/' || base.empty()) return path;
  return (std::filesystem::path(base) / path).string();
}

// A typed value, or a problem recorded and the fallback.
template <typename T>
T take(core::Result<T> r, T fallback, Problems& p) {
  if (r) return *r;
  p.add(r.error());
  return fallback;
}

void readSpan(const core::ConfigSection& sec, const std::string& runDir,
              std::map<std::string, SystemConf>& confs, TdmSettings& out, Problems& p) {
  SpanSettings s;
  s.where = sec.where();
  auto number = core::parseInt(sec.name());
  if (!number || *number < 1 || *number > 128) {
    p.add(sec.where(), "span sections are numbered 1-128: [span 1], not " + sec.label());
    return;
  }
  s.trunk.span = static_cast<int>(*number);
  for (const auto& other : out.spans) {
    if (other.trunk.span == s.trunk.span) {
      p.add(sec.where(), "span " + sec.name() + " is already defined at " + other.where.str());
      return;
    }
  }
  std::string type =
      take(sec.getChoice("type", "emulated", {"emulated", "dahdi"}), std::string("emulated"), p);
  s.backend = type == "dahdi" ? BackendKind::kDahdi : BackendKind::kEmulated;
  s.trunk.name = take(sec.getString("name", "span " + sec.name()), "span " + sec.name(), p);
  s.trunk.switch_type = *parseSwitchType(
      take(sec.getChoice("switchtype", "ni2", kSwitchTypes), std::string("ni2"), p));
  s.trunk.side =
      *parseSide(take(sec.getChoice("side", "cpe", {"cpe", "network"}), std::string("cpe"), p));
  for (const auto& t : kTimers) {
    if (!sec.has(t.name)) continue;
    auto d = sec.getDuration(t.name, core::Duration(0), std::chrono::milliseconds(1));
    if (!d) {
      p.add(d.error());
    } else if (*d <= core::Duration(0) || *d > std::chrono::minutes(10)) {
      p.add(sec.find(t.name)->where, std::string(t.name) + " must be between 1ms and 10m");
    } else {
      s.trunk.timers.*(t.field) = *d;
    }
  }
  if (sec.has("n200"))
    s.trunk.timers.n200 = static_cast<int>(take(sec.getInt("n200", 3, 1, 10), 3LL, p));
  s.trunk.overlap_receive = take(sec.getBool("overlap", false), false, p);
  s.trunk.overlap_timeout = take(sec.getDuration("overlap_timeout", std::chrono::seconds(5)),
                                 core::Duration(std::chrono::seconds(5)), p);
  s.trunk.restart_on_up = take(sec.getBool("restart_on_up", true), true, p);
  if (sec.has("capture")) {
    s.trunk.capture = resolve(take(sec.getString("capture"), std::string(), p), runDir);
  }

  LineType line =
      *parseLineType(take(sec.getChoice("line", "t1", {"t1", "e1"}), std::string("t1"), p));
  if (s.backend == BackendKind::kDahdi) {
    for (const char* k : {"socket", "socket_mode", "clock", "line", "dchannel", "bchannels"}) {
      if (sec.has(k)) {
        p.add(sec.find(k)->where, std::string(k) + " applies to emulated spans; a DAHDI span " +
                                      "takes its channels from system.conf");
      }
    }
    s.system_conf = take(sec.getString("system_conf", "/etc/dahdi/system.conf"),
                         std::string("/etc/dahdi/system.conf"), p);
    s.dahdi_span = static_cast<int>(take(sec.getInt("dahdi_span", s.trunk.span, 1, 128),
                                         static_cast<long long>(s.trunk.span), p));
    auto it = confs.find(s.system_conf);
    if (it == confs.end()) {
      auto c = readSystemConf(s.system_conf);
      if (!c) {
        auto at = sec.has("system_conf") ? sec.find("system_conf")->where : sec.where();
        p.add(at, c.error().message);
        return;
      }
      it = confs.emplace(s.system_conf, std::move(*c)).first;
    }
    const DahdiSpanConf* d = it->second.span(s.dahdi_span);
    if (!d) {
      p.add(sec.where(), "span " + std::to_string(s.dahdi_span) + " is not in " + s.system_conf);
      return;
    }
    s.layout = d->layout();
    s.dahdi_first_channel = d->first_channel;
    s.law = defaultLaw(d->line);
    if (take(sec.getBool("echo_cancel", !d->echocanceller.empty()), !d->echocanceller.empty(), p)) {
      for (int ts : s.layout.bchannels)
        if (d->echocanceller.empty() || d->echoCancelled(ts)) s.echo_cancel.push_back(ts);
    }
  } else {
    for (const char* k : {"system_conf", "dahdi_span", "echo_cancel"}) {
      if (sec.has(k)) p.add(sec.find(k)->where, std::string(k) + " applies to DAHDI spans");
    }
    if (!sec.has("socket")) {
      p.add(sec.where(), sec.label() + " is an emulated span and needs 'socket = PATH'");
    }
    s.emulated.socket_path = resolve(take(sec.getString("socket"), std::string(), p), runDir);
    if (sec.has("socket_mode")) {
      s.emulated.mode = take(sec.getChoice("socket_mode", "", {"listen", "connect"}),
                             std::string("listen"), p) == "listen"
                            ? EmulatedOptions::Mode::kListen
                            : EmulatedOptions::Mode::kConnect;
    }
    if (sec.has("clock")) {
      s.emulated.clocking =
          take(sec.getChoice("clock", "", {"master", "loop"}), std::string("master"), p) == "master"
              ? Clocking::kMaster
              : Clocking::kLoop;
    }
    s.layout = SpanLayout::standard(line);
    if (sec.has("dchannel")) {
      s.layout.dchannel = static_cast<int>(take(sec.getInt("dchannel", s.layout.dchannel, 1, 31),
                                                static_cast<long long>(s.layout.dchannel), p));
    }
    if (sec.has("bchannels")) {
      auto list = parseChannelList(sec.find("bchannels")->value);
      if (!list) {
        p.add(sec.find("bchannels")->where, "bchannels: " + list.error().message);
      } else {
        s.layout.bchannels = *list;
      }
    }
    if (auto v = s.layout.validate(); !v) {
      auto at = sec.has("bchannels")  ? sec.find("bchannels")->where
                : sec.has("dchannel") ? sec.find("dchannel")->where
                                      : sec.where();
      p.add(at, v.message());
    }
    s.law = defaultLaw(line);
    for (const auto& other : out.spans) {
      if (other.backend == BackendKind::kEmulated && !s.emulated.socket_path.empty() &&
          other.emulated.socket_path == s.emulated.socket_path) {
        p.add(sec.find("socket")->where, "span " + sec.name() + " uses the socket of span " +
                                             std::to_string(other.trunk.span) + " (" +
                                             other.where.str() + ")");
      }
    }
  }
  if (sec.has("law")) {
    s.law = *parseLaw(take(sec.getChoice("law", "ulaw", {"ulaw", "alaw"}), std::string("ulaw"), p));
  }
  out.spans.push_back(std::move(s));
}

void readGroup(const core::ConfigSection& sec, TdmSettings& out, Problems& p) {
  TrunkGroupConfig g;
  g.name = sec.name();
  if (g.name.empty()) {
    p.add(sec.where(), "a trunk group needs a name: [trunkgroup NAME]");
    return;
  }
  for (const auto& other : out.groups) {
    if (other.name == g.name) {
      p.add(sec.where(), "trunk group '" + g.name + "' is defined twice");
      return;
    }
  }
  const core::ConfigEntry* spans = sec.find("spans");
  if (!spans) {
    p.add(sec.where(), sec.label() + " is missing the required key 'spans'");
    return;
  }
  for (const auto& part : core::split(spans->value, ',')) {
    auto n = core::parseInt(core::trim(part));
    if (!n) {
      p.add(spans->where, "spans: '" + std::string(core::trim(part)) + "' is not a span number");
      continue;
    }
    bool known = false;
    for (const auto& s : out.spans)
      if (s.trunk.span == *n) known = true;
    if (!known) {
      p.add(spans->where, "spans: span " + std::to_string(*n) + " is not configured");
      continue;
    }
    if (std::find(g.spans.begin(), g.spans.end(), *n) != g.spans.end()) {
      p.add(spans->where, "spans: span " + std::to_string(*n) + " is listed twice");
      continue;
    }
    g.spans.push_back(static_cast<int>(*n));
  }
  std::string h =
      take(sec.getChoice("hunting", "ascending", huntPolicyNames()), std::string("ascending"), p);
  g.policy = *parseHuntPolicy(h);
  if (!g.spans.empty()) out.groups.push_back(std::move(g));
}

}  // namespace

std::vector<core::SectionSpec> tdmSectionSpecs() {
  core::SectionSpec span;
  span.type = "span";
  span.named = true;
  span.multiple = true;
  span.help = "one T1/E1 PRI span: [span N]";
  span.keys = {
      core::choiceKey("type", {"emulated", "dahdi"}, "emulated (UNIX socket) or dahdi (a card)"),
      core::stringKey("name", "name for logs and status"),
      core::choiceKey("line", {"t1", "e1"}, "line type of an emulated span"),
      core::choiceKey("law", {"ulaw", "alaw"}, "companding law (default: ulaw on T1, alaw on E1)"),
      core::choiceKey("switchtype", kSwitchTypes, "the far end's switch type"),
      core::choiceKey("side", {"cpe", "network"}, "which Q.931 side we are"),
      core::pathKey("socket", "emulated: socket path, relative to the run directory"),
      core::choiceKey("socket_mode", {"listen", "connect"},
                      "emulated: listen or connect (default: network listens)"),
      core::choiceKey("clock", {"master", "loop"},
                      "emulated: bearer clock master or loop timed (default: network is master)"),
      core::intKey("dchannel", 1, 31, "emulated: D-channel timeslot (T1 24, E1 16)"),
      core::stringKey("bchannels", "emulated: bearer timeslots, e.g. 1-23"),
      core::pathKey("system_conf", "dahdi: DAHDI's system.conf (default /etc/dahdi/system.conf)"),
      core::intKey("dahdi_span", 1, 128, "dahdi: the span number in system.conf"),
      core::boolKey("echo_cancel", "dahdi: use the echo canceller system.conf configures"),
      core::intKey("n200", 1, 10, "Q.921 retransmissions before the link is declared down"),
      core::boolKey("overlap", "overlap receiving: collect digits from INFORMATION messages"),
      core::durationKey("overlap_timeout", "inter-digit time in overlap receiving (T302)"),
      core::boolKey("restart_on_up", "RESTART idle channels when the D-channel comes up"),
      core::pathKey("capture", "write the D-channel to this pcap from start"),
  };
  for (const auto& t : kTimers)
    span.keys.push_back(core::durationKey(t.name, t.help));

  core::SectionSpec group;
  group.type = "trunkgroup";
  group.named = true;
  group.multiple = true;
  group.help = "spans calls may use, and how a channel is hunted: [trunkgroup NAME]";
  group.keys = {
      core::stringKey("spans", "span numbers, in the group's order: 1, 2", true),
      core::choiceKey("hunting", huntPolicyNames(), "channel hunting policy"),
  };
  return {span, group};
}

core::Result<TdmSettings> readTdmSettings(const core::ConfigFile& file, const std::string& runDir) {
  TdmSettings out;
  Problems p;
  std::map<std::string, SystemConf> confs;
  for (const auto* sec : file.all("span"))
    readSpan(*sec, runDir, confs, out, p);
  for (const auto* sec : file.all("trunkgroup"))
    readGroup(*sec, out, p);
  if (!p.empty()) return p.error();
  return out;
}

core::Result<std::unique_ptr<SpanBackend>> makeBackend(const SpanSettings& s) {
  if (s.backend == BackendKind::kEmulated) {
    return std::unique_ptr<SpanBackend>(
        std::make_unique<EmulatedSpan>(s.trunk.name, s.layout, s.law, s.trunk.side, s.emulated));
  }
  DahdiOptions d;
  d.dahdi_span = s.dahdi_span;
  d.first_channel = s.dahdi_first_channel;
  d.echo_cancel = s.echo_cancel;
  return makeDahdiSpan(s.trunk.name, s.layout, s.law, d);
}

core::Status configure(PriStack& stack, const TdmSettings& settings) {
  for (const auto& s : settings.spans) {
    auto backend = makeBackend(s);
    if (!backend)
      return core::Error{backend.error().code, s.where.str() + ": " + backend.error().message};
    if (auto st = stack.addSpan(s.trunk, std::move(*backend)); !st) {
      return core::Error{st.code(), s.where.str() + ": " + st.message()};
    }
  }
  for (const auto& g : settings.groups) {
    if (auto st = stack.addGroup(g); !st) return st;
  }
  return {};
}

}  // namespace outpost::tdm
