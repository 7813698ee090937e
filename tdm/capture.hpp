// D-channel capture: every Q.921/Q.931 frame a span sends or receives,
// written to a pcap file with link type LINUX_LAPD (177), which Wireshark and
// tshark decode down to Q.931 (`tshark -r FILE -Y q931`). Each frame carries
// its direction and whether we are the network side, so the C/R bit decodes
// right. A capture belongs to the thread that runs the span (control thread);
// each frame is flushed to the file as it is written (no fsync), so a capture
// can be read while it runs and survives the process being killed.
#pragma once

#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "core/clock.hpp"
#include "core/handle.hpp"
#include "core/result.hpp"

namespace outpost::tdm {

class DchannelCapture {
 public:
  static core::Result<std::unique_ptr<DchannelCapture>> open(const std::string& path,
                                                             bool weAreNetwork);
  // One HDLC frame without FCS; `sent` when we transmitted it.
  void record(std::span<const uint8_t> frame, bool sent, core::WallTime when);

  const std::string& path() const { return path_; }
  uint64_t frames() const { return frames_; }
  bool failed() const { return failed_; }

 private:
  DchannelCapture(std::string path, std::FILE* f, bool weAreNetwork)
      : path_(std::move(path)), file_(f), network_(weAreNetwork) {}

  std::string path_;
  core::UniqueHandle<std::FILE, std::fclose> file_;
  bool network_;
  uint64_t frames_ = 0;
  bool failed_ = false;
};

}  // namespace outpost::tdm
