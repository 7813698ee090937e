// rtp-tool: a scriptable RTP far end for integration tests, where sipp cannot
// check what must be checked. It sends 20 ms G.711 packets (a tone, silence,
// in-band DTMF, or an echo of what it receives), sends RFC 4733 digits with
// start, updates and three end packets, and reports on stdout, one JSON
// object per line, what it hears: RFC 4733 digits (each once), in-band DTMF
// in the received audio, and how much of the audio carried the tones it was
// told to watch for.
//
//   rtp-tool --local 127.0.0.1:0 [--remote ADDR:PORT] [--codec pcmu|pcma]
//            [--event-pt 101] [--watch 1004,1500] [--seconds 30]
//
// Without --remote it answers wherever the first packet came from. Commands
// on stdin, one per line:
//   remote ADDR PORT | tone HZ [DBM0] | silence | echo
//   dtmf DIGITS [rfc4733|inband] [MS]     (default rfc4733, 100 ms)
//   stats | quit
// Output lines: {"event":"ready","port":N}, {"event":"dtmf","digit":"5",
// "via":"rfc4733","duration_ms":100}, {"event":"stats",...}, and
// {"event":"error","message":...} for a bad command (the tool keeps going).
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/strings.hpp"
#include "media/audio.hpp"
#include "media/dtmf.hpp"
#include "media/g711.hpp"
#include "media/rtp_packet.hpp"
#include "media/tone.hpp"
#include "media/udp.hpp"

using namespace outpost;
using namespace outpost::media;
using Clock = std::chrono::steady_clock;

namespace {

std::string jsonEscape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    o += c;
  }
  return o;
}

void emit(const std::string& json) {
  std::printf("%s\n", json.c_str());
  std::fflush(stdout);
}

void error(const std::string& message) {
  emit("{\"event\":\"error\",\"message\":\"" + jsonEscape(message) + "\"}");
}

std::optional<Endpoint> parseHostPort(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  try {
    int port = std::stoi(s.substr(colon + 1));
    if (port < 0 || port > 65535) return std::nullopt;
    auto e = Endpoint::parse(s.substr(0, colon), static_cast<uint16_t>(port));
    if (!e) return std::nullopt;
    return *e;
  } catch (...) {
    return std::nullopt;
  }
}

struct Tool {
  core::UniqueFd fd;
  Endpoint remote;
  Law law = Law::kMuLaw;
  uint8_t pt = 0;
  uint8_t eventPt = 101;
  std::vector<int> watch;

  // Sending.
  enum class Source { kSilence, kTone, kEcho } source = Source::kSilence;
  std::optional<ToneGenerator> tone;
  DtmfGenerator inband{-10};
  std::deque<int16_t> echo;
  struct Digit {
    char digit;
    uint32_t samples;
  };
  std::deque<Digit> rfcQueue;
  bool eventActive = false;
  Digit current{};
  uint32_t eventTs = 0, eventSent = 0;
  int endsLeft = 0;
  int gapFrames = 0;
  RtpHeader h{true, 0, 1, 0, 0x7007001};

  // Receiving.
  std::map<int, uint64_t> toneFrames;
  uint64_t framesIn = 0, eventsIn = 0, malformed = 0, sent = 0;
  std::string rfcHeard, inbandHeard;
  bool remoteEvent = false;
  uint32_t remoteTs = 0;
  uint16_t remoteDuration = 0;
  char remoteDigit = 0;
  Clock::time_point remoteLast;
  std::vector<uint32_t> endedTs;
  uint64_t inbandStart = 0;
  DtmfDetector detector{[this](char d, bool started, uint64_t at) {
    if (started) {
      inbandStart = at;
      return;
    }
    inbandHeard += d;
    emit(std::string("{\"event\":\"dtmf\",\"digit\":\"") + d +
         "\",\"via\":\"inband\",\"duration_ms\":" +
         std::to_string((at - inbandStart) / kSamplesPerMs) + "}");
  }};

  void endRemote() {
    remoteEvent = false;
    endedTs.push_back(remoteTs);
    rfcHeard += remoteDigit;
    emit(std::string("{\"event\":\"dtmf\",\"digit\":\"") + remoteDigit +
         "\",\"via\":\"rfc4733\",\"duration_ms\":" +
         std::to_string(remoteDuration / kSamplesPerMs) + "}");
  }

  void onPacket(std::span<const uint8_t> data, const Endpoint& from) {
    auto v = parseRtp(data);
    if (!v) {
      ++malformed;
      return;
    }
    if (!remote.valid()) remote = from;  // symmetric: answer the first sender
    if (v->header.payloadType == eventPt) {
      auto te = parseTelephoneEvent(v->payload);
      if (!te || te->event > 15) return;
      ++eventsIn;
      uint32_t ts = v->header.timestamp;
      if (std::find(endedTs.begin(), endedTs.end(), ts) != endedTs.end()) return;
      if (remoteEvent && ts != remoteTs) endRemote();  // its end was lost
      if (!remoteEvent) {
        remoteEvent = true;
        remoteTs = ts;
        remoteDigit = dtmfDigit(te->event);
        remoteDuration = 0;
      }
      remoteDuration = std::max(remoteDuration, te->duration);
      remoteLast = Clock::now();
      if (te->end) endRemote();
      return;
    }
    if (v->header.payloadType != pt) return;
    ++framesIn;
    std::vector<int16_t> lin(v->payload.size());
    decode(law, v->payload, lin);
    detector.process(lin);
    for (int f : watch)
      if (ToneDetector(f).present(lin, -45, 0.5)) ++toneFrames[f];
    if (source == Source::kEcho)
      for (int16_t s : lin)
        if (echo.size() < 8000) echo.push_back(s);
  }

  void sendPacket(uint8_t payloadType, uint32_t ts, bool marker, std::span<const uint8_t> payload) {
    if (!remote.valid()) return;
    std::vector<uint8_t> buf(kRtpHeaderSize + payload.size());
    RtpHeader hh = h;
    hh.payloadType = payloadType;
    hh.timestamp = ts;
    hh.marker = marker;
    writeRtp(buf, hh, payload);
    ::sendto(fd.get(), buf.data(), buf.size(), 0, remote.sa(), remote.len);
    ++h.sequence;
    ++sent;
  }

  void tick() {
    uint32_t frameTs = h.timestamp;
    h.timestamp += kFrameSamples;
    if (remoteEvent && Clock::now() - remoteLast > std::chrono::milliseconds(300)) endRemote();
    // RFC 4733 digits replace the audio while they are sent.
    if (!eventActive && endsLeft == 0 && gapFrames > 0) --gapFrames;
    if (!eventActive && endsLeft == 0 && gapFrames == 0 && !rfcQueue.empty()) {
      current = rfcQueue.front();
      rfcQueue.pop_front();
      eventActive = true;
      eventTs = frameTs;
      eventSent = 0;
    }
    if (eventActive || endsLeft > 0) {
      std::array<uint8_t, 4> pl;
      if (eventActive) {
        eventSent = std::min<uint32_t>(eventSent + kFrameSamples, current.samples);
        if (eventSent >= current.samples) {
          eventActive = false;
          endsLeft = 3;
        }
      }
      bool end = !eventActive;
      writeTelephoneEvent(pl, TelephoneEvent{static_cast<uint8_t>(dtmfEventCode(current.digit)),
                                             end, 10, static_cast<uint16_t>(eventSent)});
      sendPacket(eventPt, eventTs,
                 eventSent == std::min<uint32_t>(kFrameSamples, current.samples) && !end, pl);
      if (end && --endsLeft == 0) gapFrames = 3;
      return;
    }
    std::array<int16_t, kFrameSamples> lin{};
    size_t n = inband.generate(lin);
    if (n == 0) {
      if (source == Source::kTone && tone) {
        tone->generate(lin);
      } else if (source == Source::kEcho) {
        for (auto& s : lin) {
          if (echo.empty()) break;
          s = echo.front();
          echo.pop_front();
        }
      }
    }
    std::array<uint8_t, kFrameSamples> payload;
    encode(law, lin, payload);
    sendPacket(pt, frameTs, h.marker, payload);
    h.marker = false;
  }

  std::string stats() const {
    std::string s = "{\"event\":\"stats\",\"frames_in\":" + std::to_string(framesIn) +
                    ",\"events_in\":" + std::to_string(eventsIn) +
                    ",\"malformed\":" + std::to_string(malformed) +
                    ",\"sent\":" + std::to_string(sent) + ",\"rfc4733\":\"" + rfcHeard +
                    "\",\"inband\":\"" + inbandHeard + "\",\"tones\":{";
    bool first = true;
    for (int f : watch) {
      auto it = toneFrames.find(f);
      s += std::string(first ? "" : ",") + "\"" + std::to_string(f) +
           "\":" + std::to_string(it == toneFrames.end() ? 0 : it->second);
      first = false;
    }
    return s + "}}";
  }

  void command(const std::string& line) {
    auto words = core::split(line, ' ');
    if (words.empty()) return;
    const std::string& cmd = words[0];
    try {
      if (cmd == "remote" && words.size() == 3) {
        auto e = Endpoint::parse(words[1], static_cast<uint16_t>(std::stoi(words[2])));
        if (!e) return error(e.error().message);
        remote = *e;
      } else if (cmd == "tone" && words.size() >= 2) {
        int level = words.size() >= 3 ? std::stoi(words[2]) : -13;
        tone.emplace(tones::test(std::stoi(words[1]), level));
        source = Source::kTone;
      } else if (cmd == "silence") {
        source = Source::kSilence;
      } else if (cmd == "echo") {
        source = Source::kEcho;
      } else if (cmd == "dtmf" && words.size() >= 2) {
        std::string via = words.size() >= 3 ? words[2] : "rfc4733";
        int ms = words.size() >= 4 ? std::stoi(words[3]) : 100;
        for (char c : words[1])
          if (!isDtmfDigit(c)) return error(std::string("not a DTMF digit: ") + c);
        if (via == "inband") {
          auto st =
              inband.play(words[1], std::chrono::milliseconds(ms), std::chrono::milliseconds(ms));
          if (!st) return error(st.message());
        } else if (via == "rfc4733") {
          for (char c : words[1])
            rfcQueue.push_back({c, static_cast<uint32_t>(ms) * 8});
        } else {
          return error("dtmf: say rfc4733 or inband, not '" + via + "'");
        }
      } else if (cmd == "stats") {
        emit(stats());
      } else {
        error("unknown command: " + line);
      }
    } catch (const std::exception&) {
      error("bad number in: " + line);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  Tool tool;
  std::string local = "127.0.0.1:0";
  double seconds = 30;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "rtp-tool: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--local") {
      local = next();
    } else if (a == "--remote") {
      auto e = parseHostPort(next());
      if (!e) {
        std::fprintf(stderr, "rtp-tool: --remote wants ADDR:PORT\n");
        return 2;
      }
      tool.remote = *e;
    } else if (a == "--codec") {
      std::string c = next();
      if (c != "pcmu" && c != "pcma") {
        std::fprintf(stderr, "rtp-tool: --codec is pcmu or pcma\n");
        return 2;
      }
      tool.law = c == "pcmu" ? Law::kMuLaw : Law::kALaw;
      tool.pt = c == "pcmu" ? 0 : 8;
    } else if (a == "--event-pt") {
      tool.eventPt = static_cast<uint8_t>(std::stoi(next()));
    } else if (a == "--watch") {
      for (const auto& f : core::split(next(), ','))
        tool.watch.push_back(std::stoi(f));
    } else if (a == "--seconds") {
      seconds = std::atof(next().c_str());
    } else {
      std::fprintf(stderr,
                   "usage: rtp-tool --local ADDR:PORT [--remote ADDR:PORT] [--codec pcmu|pcma] "
                   "[--event-pt N] [--watch HZ,HZ] [--seconds N]\n");
      return 2;
    }
  }
  auto at = parseHostPort(local);
  if (!at) {
    std::fprintf(stderr, "rtp-tool: --local wants ADDR:PORT\n");
    return 2;
  }
  auto fd = bindUdp(*at);
  if (!fd) {
    std::fprintf(stderr, "rtp-tool: %s\n", fd.error().message.c_str());
    return 1;
  }
  tool.fd = std::move(*fd);
  emit("{\"event\":\"ready\",\"port\":" + std::to_string(localPort(tool.fd.get())) + "}");
  auto end = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  auto next = Clock::now() + kFrameDuration;
  std::string pending;
  bool stdinOpen = true;
  while (Clock::now() < end) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
    pollfd pfds[2] = {{tool.fd.get(), POLLIN, 0}, {stdinOpen ? 0 : -1, POLLIN, 0}};
    poll(pfds, 2, static_cast<int>(std::max<int64_t>(wait, 0)));
    if (pfds[0].revents & POLLIN) {
      for (;;) {
        std::array<uint8_t, 2048> buf;
        sockaddr_storage from{};
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(tool.fd.get(), buf.data(), buf.size(), MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) break;
        Endpoint e;
        e.addr = from;
        e.len = len;
        tool.onPacket(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)), e);
      }
    }
    if (stdinOpen && (pfds[1].revents & (POLLIN | POLLHUP))) {
      char buf[512];
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0) {
        stdinOpen = false;
      } else {
        pending.append(buf, static_cast<size_t>(n));
        size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
          std::string line(core::trim(pending.substr(0, nl)));
          pending.erase(0, nl + 1);
          if (line == "quit") {
            emit(tool.stats());
            return 0;
          }
          tool.command(line);
        }
      }
    }
    if (Clock::now() >= next) {
      tool.tick();
      next += kFrameDuration;
    }
  }
  emit(tool.stats());
  return 0;
}
