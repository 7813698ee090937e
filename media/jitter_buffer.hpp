// JitterBuffer: turns RTP audio that arrives early, late, reordered, twice or
// not at all, in packets of 10-40 ms, into the steady 20 ms frames of 160
// samples a B-channel takes. Audio is stored by RTP timestamp in a fixed ring
// (no allocation after construction, so memory is bounded whatever a peer
// sends). The playout delay adapts: a packet that arrives after its turn
// grows the delay by its lateness; when every packet of the last second
// would still have been in time with less, the delay shrinks by that much
// (10-40 ms) in a quiet moment, or by 10 ms if none comes within a second
// (and not for 10 s after a late packet). The
// delay never exceeds the configured maximum. Missing audio
// is concealed by repeating the last good frame, fading to silence over
// 60 ms.
//
// One JitterBuffer belongs to one bridge on one media thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <span>

#include "media/audio.hpp"

namespace outpost::media {

struct JitterConfig {
  // Delay before the first packet plays.
  std::chrono::milliseconds initialDelay{40};
  // Spare time kept beyond "just in time" when shrinking.
  std::chrono::milliseconds minDelay{0};
  // Hard maximum of buffered audio; at most 400 ms.
  std::chrono::milliseconds maxDelay{200};
};

struct JitterStats {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t late = 0;       // arrived after their turn: dropped
  uint64_t overflow = 0;   // samples dropped to respect the maximum delay
  uint64_t resyncs = 0;    // timestamp jumps that restarted playout
  uint64_t framesOut = 0;  // frames popped with audio in them
  uint64_t concealed = 0;  // frames (or parts) made up by concealment
  uint64_t concealedSamples = 0;
  uint64_t grows = 0;
  uint64_t shrinks = 0;
};

class JitterBuffer {
 public:
  static constexpr size_t kRingSamples = 4096;  // 512 ms

  explicit JitterBuffer(JitterConfig config = {});

  enum class Push { kAccepted, kDuplicate, kLate, kResync, kInvalid };
  // One packet's decoded audio (any length up to 60 ms).
  Push push(uint32_t timestamp, bool marker, std::span<const int16_t> samples);

  enum class Frame { kSilence, kAudio, kConcealed };
  // The next 20 ms. Called once per B-channel frame.
  Frame pop(std::span<int16_t, kFrameSamples> out);

  // Forget everything (new SSRC, re-INVITE to another peer).
  void reset();

  // Current delay: buffered audio ahead of the playout point.
  std::chrono::milliseconds delay() const;
  const JitterStats& stats() const { return stats_; }
  bool started() const { return started_; }

 private:
  size_t idx(uint32_t ts) const { return ts & (kRingSamples - 1); }
  void clearRange(uint32_t from, size_t n);
  void conceal(std::span<int16_t> out, size_t offset);

  JitterConfig config_;
  int32_t max_samples_;
  int32_t min_margin_target_;
  std::array<int16_t, kRingSamples> ring_{};
  std::array<uint8_t, kRingSamples> valid_{};
  bool started_ = false;
  uint32_t playout_ = 0;  // timestamp of the next sample to play
  uint32_t newest_end_ = 0;
  int32_t grow_pending_ = 0;
  int32_t window_min_margin_ = INT32_MAX;
  int window_pops_ = 0;
  int backoff_windows_ = 0;
  int32_t shrink_by_ = 0;
  int shrink_wait_ = 0;  // pops spent waiting for a quiet moment to shrink
  bool shrink_due_ = false;
  std::array<int16_t, kFrameSamples> last_good_{};
  int conceal_run_ = 0;  // consecutive concealed frames
  bool have_good_ = false;
  JitterStats stats_;
};

}  // namespace outpost::media
