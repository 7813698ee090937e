#include "tdm/system_conf.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/strings.hpp"

namespace outpost::tdm {

namespace {

// Signalling keys of DAHDI that Outpost does not use (analog, CAS, data).
const std::vector<std::string> kIgnoredKeys = {
    "fxsls",    "fxsgs", "fxsks",  "fxols",  "fxogs",    "fxoks",   "e&m",
    "e&me1",    "sf",    "unused", "clear",  "indclear", "rawhdlc", "nethdlc",
    "fcshdlc",  "mfcr2", "cas",    "dacs",   "dacsrbs",  "dynamic", "channel",
    "channels", "alaw",  "mulaw",  "deflaw", "e1chan",   "em_w",    "bel202"};
const std::vector<std::string> kKnownKeys = {"span",          "bchan",    "dchan",      "hardhdlc",
                                             "echocanceller", "loadzone", "defaultzone"};

struct Use {
  int line;
  std::string key;
};

class Parser {
 public:
  explicit Parser(std::string source) { conf_.source = std::move(source); }

  void line(int no, std::string_view raw) {
    std::string_view text = raw;
    if (auto c = text.find_first_of("#;"); c != std::string_view::npos) text = text.substr(0, c);
    text = core::trim(text);
    if (text.empty()) return;
    auto eq = text.find('=');
    if (eq == std::string_view::npos) {
      error(no, "expected KEY=VALUE, found '" + std::string(text) + "'");
      return;
    }
    std::string key = core::toLower(core::trim(text.substr(0, eq)));
    std::string value(core::trim(text.substr(eq + 1)));
    if (key == "span") return spanLine(no, value);
    if (key == "bchan" || key == "dchan" || key == "hardhdlc") return channelLine(no, key, value);
    if (key == "echocanceller") return echoLine(no, value);
    if (key == "loadzone") return zoneLine(no, value, true);
    if (key == "defaultzone") return zoneLine(no, value, false);
    if (std::find(kIgnoredKeys.begin(), kIgnoredKeys.end(), key) != kIgnoredKeys.end()) {
      conf_.ignored.push_back(where(no) + ": " + key + "=" + value +
                              " (not PRI signalling; Outpost leaves these channels alone)");
      return;
    }
    std::vector<std::string> all = kKnownKeys;
    all.insert(all.end(), kIgnoredKeys.begin(), kIgnoredKeys.end());
    std::string msg = "unknown key '" + key + "'";
    if (auto s = core::suggest(key, all)) msg += " (did you mean '" + *s + "'?)";
    error(no, msg);
  }

  core::Result<SystemConf> finish() {
    resolveSpans();
    if (errors_.empty()) checkSemantics();
    if (!errors_.empty()) {
      std::sort(errors_.begin(), errors_.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      std::vector<std::string> lines;
      for (auto& [no, msg] : errors_)
        lines.push_back(msg);
      return core::invalidArgument(core::join(lines, "\n"));
    }
    return std::move(conf_);
  }

 private:
  struct PendingChannels {
    int line;
    std::string key;
    std::vector<int> channels;
    int span;  // the span= block it sits in (0: before any span= line)
    std::string echo_name;
  };

  std::string where(int no) const { return conf_.source + ":" + std::to_string(no); }
  void error(int no, const std::string& msg) { errors_.emplace_back(no, where(no) + ": " + msg); }

  void spanLine(int no, const std::string& value) {
    auto f = core::split(value, ',', false);
    for (auto& x : f)
      x = core::toLower(core::trim(x));
    if (f.size() < 5 || f.size() > 7) {
      error(no,
            "span= takes SPAN,TIMING,LBO,FRAMING,CODING[,crc4][,yellow], found '" + value + "'");
      return;
    }
    DahdiSpanConf s;
    s.line_no = no;
    auto num = core::parseInt(f[0]);
    auto timing = core::parseInt(f[1]);
    auto lbo = core::parseInt(f[2]);
    if (!num || *num < 1 || *num > 128) return error(no, "span number '" + f[0] + "' is not 1-128");
    if (!timing || *timing < 0 || *timing > 128) {
      return error(no, "timing source '" + f[1] + "' is not a number 0-128");
    }
    if (!lbo || *lbo < 0 || *lbo > 7) return error(no, "line build-out '" + f[2] + "' is not 0-7");
    s.span = static_cast<int>(*num);
    s.timing = static_cast<int>(*timing);
    s.lbo = static_cast<int>(*lbo);
    s.framing = f[3];
    s.coding = f[4];
    if (s.framing == "d4" || s.framing == "esf") {
      s.line = LineType::kT1;
      if (s.coding != "ami" && s.coding != "b8zs") {
        return error(no, "coding '" + s.coding + "' does not go with T1 framing '" + s.framing +
                             "' (use b8zs or ami)");
      }
    } else if (s.framing == "cas" || s.framing == "ccs") {
      s.line = LineType::kE1;
      if (s.coding != "ami" && s.coding != "hdb3") {
        return error(no, "coding '" + s.coding + "' does not go with E1 framing '" + s.framing +
                             "' (use hdb3 or ami)");
      }
    } else {
      std::string msg = "unknown framing '" + s.framing + "' (T1: d4, esf; E1: cas, ccs)";
      if (auto sg = core::suggest(s.framing, {"d4", "esf", "cas", "ccs"})) {
        msg += "; did you mean '" + *sg + "'?";
      }
      return error(no, msg);
    }
    for (size_t i = 5; i < f.size(); ++i) {
      if (f[i] == "crc4") {
        if (s.line != LineType::kE1) return error(no, "crc4 applies to E1 spans only");
        s.crc4 = true;
      } else if (f[i] == "yellow") {
        s.yellow = true;
      } else {
        return error(no, "unknown span option '" + f[i] + "' (crc4 or yellow)");
      }
    }
    s.channel_count = s.line == LineType::kT1 ? 24 : 31;
    for (const auto& other : conf_.spans) {
      if (other.span == s.span) {
        return error(no, "span " + std::to_string(s.span) + " is already defined at line " +
                             std::to_string(other.line_no));
      }
    }
    current_span_ = s.span;
    conf_.spans.push_back(std::move(s));
  }

  void channelLine(int no, const std::string& key, const std::string& value) {
    auto list = parseChannelList(value);
    if (!list) return error(no, key + "=" + value + ": " + list.error().message);
    pending_.push_back({no, key, std::move(*list), current_span_, {}});
  }

  void echoLine(int no, const std::string& value) {
    auto comma = value.find(',');
    if (comma == std::string::npos) {
      return error(no, "echocanceller= takes NAME,CHANNELS (for example mg2,1-23)");
    }
    std::string name(core::trim(std::string_view(value).substr(0, comma)));
    if (name.empty()) return error(no, "echocanceller= has no canceller name");
    auto list = parseChannelList(std::string_view(value).substr(comma + 1));
    if (!list) return error(no, "echocanceller=" + value + ": " + list.error().message);
    pending_.push_back({no, "echocanceller", std::move(*list), current_span_, name});
  }

  void zoneLine(int no, const std::string& value, bool load) {
    std::string z = core::toLower(value);
    bool ok = !z.empty() && z.size() <= 16 && std::all_of(z.begin(), z.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
    if (!ok) return error(no, "'" + value + "' is not a tone zone name (for example us, uk, de)");
    if (load) {
      conf_.loadzones.push_back(z);
    } else {
      if (!conf_.defaultzone.empty()) error(no, "defaultzone is set twice");
      conf_.defaultzone = z;
      defaultzone_line_ = no;
    }
  }

  // Global channel numbers: spans in ascending order, each after the last.
  void resolveSpans() {
    std::sort(conf_.spans.begin(), conf_.spans.end(),
              [](const auto& a, const auto& b) { return a.span < b.span; });
    int next = 1;
    for (auto& s : conf_.spans) {
      s.first_channel = next;
      next += s.channel_count;
    }
  }

  DahdiSpanConf* spanOf(int channel) {
    for (auto& s : conf_.spans)
      if (s.contains(channel)) return &s;
    return nullptr;
  }

  std::string range() const {
    if (conf_.spans.empty()) return "no span= lines";
    const auto& last = conf_.spans.back();
    return "spans cover channels 1-" + std::to_string(last.first_channel + last.channel_count - 1);
  }

  void checkSemantics() {
    std::map<int, Use> used;  // channel -> first signalling use
    for (auto& p : pending_) {
      bool isSignalling = p.key != "echocanceller";
      DahdiSpanConf* block = nullptr;
      for (auto& s : conf_.spans)
        if (s.span == p.span) block = &s;
      for (int ch : p.channels) {
        DahdiSpanConf* s = spanOf(ch);
        if (!s) {
          error(p.line,
                p.key + ": channel " + std::to_string(ch) + " is on no span (" + range() + ")");
          continue;
        }
        if (block && s != block && p.key != "bchan") {
          std::string what = p.key == "echocanceller" ? "echo-cancelled channel" : "D-channel";
          error(p.line, p.key + ": " + what + " " + std::to_string(ch) + " is outside span " +
                            std::to_string(block->span) + " (channels " +
                            std::to_string(block->first_channel) + "-" +
                            std::to_string(block->first_channel + block->channel_count - 1) +
                            ") whose block it is in");
          continue;
        }
        if (p.key == "dchan" || p.key == "hardhdlc") {
          if (p.channels.size() != 1) {
            error(p.line, p.key + " names " + std::to_string(p.channels.size()) +
                              " channels; a PRI span has one D-channel");
            break;
          }
          if (s->dchan != 0) {
            error(p.line, "span " + std::to_string(s->span) + " already has D-channel " +
                              std::to_string(s->dchan));
            continue;
          }
          s->dchan = ch;
          s->hardhdlc = p.key == "hardhdlc";
        } else if (p.key == "bchan") {
          s->bchans.push_back(ch);
        } else {
          if (!s->echocanceller.empty() && s->echocanceller != p.echo_name) {
            error(p.line, "span " + std::to_string(s->span) + " mixes echo cancellers '" +
                              s->echocanceller + "' and '" + p.echo_name + "'");
            continue;
          }
          s->echocanceller = p.echo_name;
          s->echo_channels.push_back(ch);
        }
        if (isSignalling) {
          auto [it, fresh] = used.emplace(ch, Use{p.line, p.key});
          if (!fresh) {
            error(p.line, "channel " + std::to_string(ch) + " is used twice: " + p.key +
                              " here and " + it->second.key + " at line " +
                              std::to_string(it->second.line));
          }
        }
      }
    }
    for (auto& s : conf_.spans) {
      std::sort(s.bchans.begin(), s.bchans.end());
      std::sort(s.echo_channels.begin(), s.echo_channels.end());
      if (!s.bchans.empty() && s.dchan == 0) {
        error(s.line_no, "span " + std::to_string(s.span) +
                             " has bearer channels but no D-channel (dchan= or hardhdlc=); a "
                             "PRI span needs one");
      }
      for (int ch : s.echo_channels) {
        if (ch == s.dchan) {
          error(s.line_no, "span " + std::to_string(s.span) + ": echocanceller covers D-channel " +
                               std::to_string(ch));
        }
      }
      if (auto v = s.layout().validate(); !v) {
        error(s.line_no, "span " + std::to_string(s.span) + ": " + v.message());
      }
    }
    if (!conf_.defaultzone.empty() && !conf_.loadzones.empty() &&
        std::find(conf_.loadzones.begin(), conf_.loadzones.end(), conf_.defaultzone) ==
            conf_.loadzones.end()) {
      error(defaultzone_line_, "defaultzone=" + conf_.defaultzone + " is not loaded (loadzone=" +
                                   core::join(conf_.loadzones, ", loadzone=") + ")");
    }
  }

  SystemConf conf_;
  int current_span_ = 0;
  int defaultzone_line_ = 0;
  std::vector<PendingChannels> pending_;
  std::vector<std::pair<int, std::string>> errors_;
};

}  // namespace

SpanLayout DahdiSpanConf::layout() const {
  SpanLayout l;
  l.line = line;
  l.dchannel = dchan ? timeslotOf(dchan) : 0;
  for (int ch : bchans)
    l.bchannels.push_back(timeslotOf(ch));
  return l;
}

bool DahdiSpanConf::echoCancelled(int timeslot) const {
  return std::binary_search(echo_channels.begin(), echo_channels.end(), channelOf(timeslot));
}

const DahdiSpanConf* SystemConf::span(int number) const {
  for (const auto& s : spans)
    if (s.span == number) return &s;
  return nullptr;
}

core::Result<SystemConf> parseSystemConf(const std::string& text, const std::string& sourceName) {
  Parser p(sourceName);
  std::istringstream in(text);
  std::string line;
  int no = 0;
  while (std::getline(in, line))
    p.line(++no, line);
  return p.finish();
}

core::Result<SystemConf> readSystemConf(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::errnoError("cannot read DAHDI configuration " + path, errno);
  std::stringstream ss;
  ss << in.rdbuf();
  return parseSystemConf(ss.str(), path);
}

}  // namespace outpost::tdm
