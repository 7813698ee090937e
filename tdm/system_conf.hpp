// Reader for DAHDI's /etc/dahdi/system.conf, so an installer can point
// Outpost at the file dahdi_cfg already uses. It understands span=, bchan=,
// dchan=, hardhdlc=, echocanceller=, loadzone= and defaultzone=, accepts (and
// ignores) the analog and CAS signalling keys, and checks what dahdi_cfg
// cannot check without the kernel module: a channel used twice, a D-channel
// outside its span, a span with bearer channels but no D-channel. Every
// problem is reported as "FILE:LINE: ...". Pure parsing; any thread.
//
// Channel numbers in system.conf are global: the spans are numbered in order
// and each takes 24 (T1) or 31 (E1) channels, as dahdi_genconf writes them.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"
#include "tdm/span.hpp"

namespace outpost::tdm {

struct DahdiSpanConf {
  int span = 0;
  int line_no = 0;      // where its span= line is
  int timing = 0;       // 0: never a sync source; 1 is the first choice
  int lbo = 0;          // line build-out 0-7
  std::string framing;  // d4, esf (T1); cas, ccs (E1)
  std::string coding;   // ami, b8zs (T1); ami, hdb3 (E1)
  bool crc4 = false;
  bool yellow = false;
  LineType line = LineType::kT1;
  int first_channel = 0;  // global number of timeslot 1
  int channel_count = 0;  // 24 or 31

  std::vector<int> bchans;    // global channel numbers
  int dchan = 0;              // global channel number, 0 when none
  bool hardhdlc = false;      // D-channel handled by the card (hardhdlc=)
  std::string echocanceller;  // name (mg2, oslec, ...) or empty
  std::vector<int> echo_channels;

  int timeslotOf(int channel) const { return channel - first_channel + 1; }
  int channelOf(int timeslot) const { return first_channel + timeslot - 1; }
  bool contains(int channel) const {
    return channel >= first_channel && channel < first_channel + channel_count;
  }
  // Bearer and D-channel as span timeslots.
  SpanLayout layout() const;
  bool echoCancelled(int timeslot) const;
};

struct SystemConf {
  std::string source;
  std::vector<DahdiSpanConf> spans;  // ascending span numbers
  std::vector<std::string> loadzones;
  std::string defaultzone;
  std::vector<std::string> ignored;  // "FILE:LINE: fxsks=1-4 (analog; not used by Outpost)"

  const DahdiSpanConf* span(int number) const;
};

// Every problem found, one "FILE:LINE: ..." per line of the error message.
core::Result<SystemConf> parseSystemConf(const std::string& text, const std::string& sourceName);
core::Result<SystemConf> readSystemConf(const std::string& path);

}  // namespace outpost::tdm
