// The DAHDI backend: a span on a real T1/E1 card through /dev/dahdi/channel.
// The D-channel is one HDLC channel (DAHDI computes the FCS: reads carry two
// FCS bytes, writes leave room for them); its events (DAHDI_GETEVENT) and
// DAHDI_SPANSTAT give the alarms. The bearer port opens each B-channel with
// DAHDI_SPECIFY and DAHDI_SET_BLOCKSIZE 160, so the card's clock delivers a
// 20 ms block per channel, and turns the kernel or card echo canceller on
// and off per call with DAHDI_ECHOCANCEL_PARAMS.
//
// Compiled where dahdi/user.h exists (OUTPOST_HAVE_DAHDI); elsewhere
// makeDahdiSpan() says the build has no DAHDI support.
// Threads: as backend.hpp and bearer.hpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "tdm/backend.hpp"

namespace outpost::tdm {

struct DahdiOptions {
  std::string device = "/dev/dahdi/channel";
  int dahdi_span = 0;            // for DAHDI_SPANSTAT
  int first_channel = 0;         // DAHDI's global channel number of timeslot 1
  std::vector<int> echo_cancel;  // timeslots with a canceller configured
  int echo_taps = 128;           // 16 ms at 8 taps per ms
};

bool dahdiCompiledIn();

core::Result<std::unique_ptr<SpanBackend>> makeDahdiSpan(std::string name, SpanLayout layout,
                                                         Law law, DahdiOptions options);

}  // namespace outpost::tdm
