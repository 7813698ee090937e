#include "media/jitter_buffer.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "media/rtp_packet.hpp"

namespace outpost::media {
namespace {

constexpr int32_t kStep = 80;              // delay changes in 10 ms steps
constexpr int kWindowPops = 50;            // 1 s of frames per decision
constexpr int kBackoffWindows = 10;        // no shrinking for 10 s after a late packet
constexpr int kMaxShrinkWait = 50;         // then shrink even if not quiet
constexpr int kConcealFrames = 3;          // fade to silence over 60 ms
constexpr int32_t kResyncBehind = 8000;    // 1 s behind: the sender restarted
constexpr size_t kMaxPacketSamples = 480;  // 60 ms
constexpr int kQuietAmplitude = 1000;      // about -30 dBm0

int32_t roundUp(int32_t v, int32_t step) {
  return (v + step - 1) / step * step;
}

}  // namespace

JitterBuffer::JitterBuffer(JitterConfig config) : config_(config) {
  auto maxMs = std::clamp<int64_t>(config_.maxDelay.count(), 20, 400);
  max_samples_ = static_cast<int32_t>(maxMs) * static_cast<int32_t>(kSamplesPerMs);
  min_margin_target_ = static_cast<int32_t>(samplesFor(config_.minDelay));
}

void JitterBuffer::reset() {
  started_ = false;
  valid_.fill(0);
  grow_pending_ = 0;
  window_min_margin_ = INT32_MAX;
  window_pops_ = 0;
  shrink_due_ = false;
  shrink_wait_ = 0;
  conceal_run_ = 0;
  have_good_ = false;
}

void JitterBuffer::clearRange(uint32_t from, size_t n) {
  for (size_t i = 0; i < n; ++i)
    valid_[idx(from + static_cast<uint32_t>(i))] = 0;
}

std::chrono::milliseconds JitterBuffer::delay() const {
  if (!started_) return std::chrono::milliseconds(0);
  int32_t ahead = std::max(0, tsDiff(newest_end_, playout_));
  return std::chrono::milliseconds(ahead / static_cast<int32_t>(kSamplesPerMs));
}

JitterBuffer::Push JitterBuffer::push(uint32_t ts, bool marker, std::span<const int16_t> samples) {
  if (samples.empty() || samples.size() > kMaxPacketSamples) return Push::kInvalid;
  auto n = static_cast<int32_t>(samples.size());
  Push result = Push::kAccepted;
  if (!started_) {
    started_ = true;
    playout_ = ts - static_cast<uint32_t>(std::min<int32_t>(
                        static_cast<int32_t>(samplesFor(config_.initialDelay)), max_samples_ - n));
    newest_end_ = ts;
  }
  int32_t margin = tsDiff(ts, playout_);
  // Far outside the window: the sender jumped (new talkspurt after a long
  // silence, a restart, a new source). Start again with the current delay.
  if (margin > max_samples_ || margin < -kResyncBehind || (marker && margin > max_samples_ / 2)) {
    int32_t keep = std::clamp(tsDiff(newest_end_, playout_), 0, max_samples_ - n);
    valid_.fill(0);
    playout_ = ts - static_cast<uint32_t>(std::max(keep, static_cast<int32_t>(kFrameSamples) / 2));
    newest_end_ = ts;
    grow_pending_ = 0;
    ++stats_.resyncs;
    margin = tsDiff(ts, playout_);
    result = Push::kResync;
  }
  if (margin + n <= 0) {
    // Entirely too late. Grow so that the next one like it is in time.
    ++stats_.late;
    backoff_windows_ = kBackoffWindows;
    shrink_due_ = false;
    grow_pending_ = std::max(grow_pending_, roundUp(-margin, kStep));
    window_min_margin_ = std::min(window_min_margin_, margin);
    return Push::kLate;
  }
  window_min_margin_ = std::min(window_min_margin_, margin);
  // Duplicate: every sample already there.
  bool all = true;
  for (int32_t i = std::max(0, -margin); i < n && all; ++i)
    all = valid_[idx(ts + static_cast<uint32_t>(i))] != 0;
  if (all && result != Push::kResync) {
    ++stats_.duplicates;
    return Push::kDuplicate;
  }
  int32_t first = 0;
  if (margin < 0) {
    // The head of the packet is late, the rest still plays.
    first = -margin;
    ++stats_.late;
    backoff_windows_ = kBackoffWindows;
    shrink_due_ = false;
    grow_pending_ = std::max(grow_pending_, roundUp(-margin, kStep));
  }
  for (int32_t i = first; i < n; ++i) {
    size_t k = idx(ts + static_cast<uint32_t>(i));
    ring_[k] = samples[static_cast<size_t>(i)];
    valid_[k] = 1;
  }
  uint32_t end = ts + static_cast<uint32_t>(n);
  if (tsDiff(end, newest_end_) > 0) newest_end_ = end;
  // The hard maximum: drop the oldest audio rather than let delay grow.
  int32_t ahead = tsDiff(newest_end_, playout_);
  if (ahead > max_samples_) {
    int32_t drop = ahead - max_samples_;
    clearRange(playout_, static_cast<size_t>(drop));
    playout_ += static_cast<uint32_t>(drop);
    stats_.overflow += static_cast<uint64_t>(drop);
    grow_pending_ = 0;
  }
  ++stats_.accepted;
  return result;
}

void JitterBuffer::conceal(std::span<int16_t> out, size_t offset) {
  // Repeat the last good frame, fading linearly to silence over three frames.
  if (!have_good_ || conceal_run_ >= kConcealFrames) {
    std::fill(out.begin(), out.end(), int16_t{0});
    return;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    size_t pos = offset + i;
    double g =
        1.0 - (static_cast<double>(conceal_run_) * kFrameSamples + static_cast<double>(pos)) /
                  (kConcealFrames * static_cast<double>(kFrameSamples));
    out[i] = static_cast<int16_t>(last_good_[pos % kFrameSamples] * std::max(0.0, g));
  }
}

JitterBuffer::Frame JitterBuffer::pop(std::span<int16_t, kFrameSamples> out) {
  if (!started_) {
    std::fill(out.begin(), out.end(), int16_t{0});
    return Frame::kSilence;
  }
  // Adapt once a window: shrink by a step when every packet of the window
  // would still have been in time with a step less delay. After a late
  // packet, wait a while before shrinking again, so the delay does not saw
  // between "just enough" and "a step too little".
  if (++window_pops_ >= kWindowPops) {
    if (backoff_windows_ > 0) {
      --backoff_windows_;
    } else if (window_min_margin_ != INT32_MAX &&
               window_min_margin_ >= kStep + min_margin_target_ && grow_pending_ == 0) {
      shrink_due_ = true;
      shrink_by_ =
          std::min<int32_t>((window_min_margin_ - min_margin_target_) / kStep * kStep, 4 * kStep);
    }
    window_pops_ = 0;
    window_min_margin_ = INT32_MAX;
  }
  if (shrink_due_) {
    // All the excess at once when the audio to skip is quiet; one step when
    // we had to stop waiting for a quiet moment.
    bool quiet = true;
    for (int32_t i = 0; i < shrink_by_ && quiet; ++i) {
      size_t k = idx(playout_ + static_cast<uint32_t>(i));
      quiet = !valid_[k] || std::abs(ring_[k]) < kQuietAmplitude;
    }
    if (quiet || ++shrink_wait_ >= kMaxShrinkWait) {
      int32_t by = quiet ? shrink_by_ : kStep;
      clearRange(playout_, static_cast<size_t>(by));
      playout_ += static_cast<uint32_t>(by);
      ++stats_.shrinks;
      shrink_due_ = false;
      shrink_wait_ = 0;
    }
  }
  // Growing: play concealment for part of this frame without moving on.
  size_t hold = 0;
  if (grow_pending_ > 0) {
    int32_t ahead = tsDiff(newest_end_, playout_);
    int32_t room = max_samples_ - ahead;
    hold = static_cast<size_t>(
        std::clamp<int32_t>(std::min<int32_t>(grow_pending_, room), 0, kFrameSamples));
    grow_pending_ = 0;
    if (hold > 0) ++stats_.grows;
  }
  size_t missing = hold;
  if (hold > 0) conceal(out.first(hold), 0);
  for (size_t i = hold; i < kFrameSamples; ++i) {
    size_t k = idx(playout_ + static_cast<uint32_t>(i - hold));
    if (valid_[k]) {
      out[i] = ring_[k];
      valid_[k] = 0;
    } else {
      ++missing;
      conceal(out.subspan(i, 1), i);
    }
  }
  playout_ += static_cast<uint32_t>(kFrameSamples - hold);
  if (tsDiff(newest_end_, playout_) < 0) newest_end_ = playout_;
  if (missing == 0) {
    std::copy(out.begin(), out.end(), last_good_.begin());
    have_good_ = true;
    conceal_run_ = 0;
    ++stats_.framesOut;
    return Frame::kAudio;
  }
  if (missing == kFrameSamples && (!have_good_ || conceal_run_ >= kConcealFrames)) {
    conceal_run_ = kConcealFrames;
    return Frame::kSilence;
  }
  ++stats_.concealed;
  stats_.concealedSamples += missing;
  if (missing < kFrameSamples) {
    // Partly real audio: keep it as the frame to repeat next time.
    std::copy(out.begin(), out.end(), last_good_.begin());
    have_good_ = true;
    conceal_run_ = 0;
    ++stats_.framesOut;
    return Frame::kAudio;
  }
  ++conceal_run_;
  return Frame::kConcealed;
}

}  // namespace outpost::media
