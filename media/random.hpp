// Random numbers for RTP: SSRCs, first sequence numbers and timestamps, and
// the seed of each session's RTCP interval jitter (RFC 3550 wants these
// random so that sessions do not collide). Owned by nobody; any thread may
// call, and each thread has its own generator, seeded once.
//
// Why not std::random_device per call: constructing one cost about a
// quarter of a media thread's time under a signalling-only load (a bridge
// per call set up and torn down), because in a virtual machine its source
// can trap to the hypervisor.
#pragma once

#include <cstdint>
#include <random>

namespace outpost::media {

inline uint32_t randomWord() {
  thread_local std::mt19937 rng(std::random_device{}());
  return static_cast<uint32_t>(rng());
}

}  // namespace outpost::media
