// Audio constants and small measurements shared by media/ and its users:
// 8 kHz narrowband telephone audio moved in 20 ms frames of 160 samples, with
// levels in dBm0 (0 dBm0 is the reference power of G.711; a full-scale sine
// is +3.14 dBm0). Pure functions: safe on any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

namespace outpost::media {

constexpr int kSampleRate = 8000;
constexpr size_t kSamplesPerMs = 8;
// The B-channel side always moves 20 ms frames.
constexpr size_t kFrameSamples = 160;
constexpr std::chrono::milliseconds kFrameDuration{20};

constexpr size_t samplesFor(std::chrono::milliseconds d) {
  return static_cast<size_t>(d.count()) * kSamplesPerMs;
}

// Mean power of the samples in dBm0; -100 for digital silence.
double levelDbm0(std::span<const int16_t> samples);

// Sample amplitude of a sine at `dbm0` (for generators and test signals).
double sineAmplitude(double dbm0);

}  // namespace outpost::media
