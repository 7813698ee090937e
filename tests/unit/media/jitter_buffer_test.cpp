#include <boost/test/unit_test.hpp>
#include <map>
#include <random>
#include <vector>

#include "media/jitter_buffer.hpp"

using namespace outpost::media;
using namespace std::chrono_literals;

namespace {

// The test signal: each sample's value is its timestamp modulo 20000, so the
// output shows exactly which audio played in which order.
int16_t sampleAt(uint32_t ts) {
  return static_cast<int16_t>(ts % 20000 + 100);
}

struct Sim {
  int ptimeMs = 20;
  int popPhaseMs = 7;  // B-channel ticks are not aligned with packet sends
  JitterBuffer jb;
  std::vector<int16_t> out;
  std::vector<JitterBuffer::Frame> kinds;
  std::vector<std::chrono::milliseconds> delays;
  std::vector<bool> clean;  // frame holds only real audio

  explicit Sim(JitterConfig c = {}) : jb(c) {}

  // Sends `packets` packets; arrival(k) gives packet k's arrival time in ms
  // (or -1: lost); each arriving packet is pushed `copies` times. Pops every
  // 20 ms from popPhaseMs until `untilMs`.
  template <typename Arrival>
  void run(int packets, Arrival arrival, int untilMs, int copies = 1, uint32_t ts0 = 1000) {
    std::multimap<int, int> events;  // arrival ms -> packet
    for (int k = 0; k < packets; ++k) {
      int at = arrival(k);
      if (at >= 0) events.emplace(at, k);
    }
    size_t per = static_cast<size_t>(ptimeMs) * kSamplesPerMs;
    auto it = events.begin();
    for (int t = popPhaseMs; t < untilMs; t += 20) {
      for (; it != events.end() && it->first <= t; ++it) {
        uint32_t ts = ts0 + static_cast<uint32_t>(it->second) * static_cast<uint32_t>(per);
        std::vector<int16_t> s(per);
        for (size_t i = 0; i < per; ++i)
          s[i] = sampleAt(ts + static_cast<uint32_t>(i));
        for (int c = 0; c < copies; ++c)
          jb.push(ts, it->second == 0, s);
      }
      std::array<int16_t, kFrameSamples> f{};
      uint64_t before = jb.stats().concealedSamples;
      kinds.push_back(jb.pop(f));
      clean.push_back(kinds.back() == JitterBuffer::Frame::kAudio &&
                      jb.stats().concealedSamples == before);
      out.insert(out.end(), f.begin(), f.end());
      delays.push_back(jb.delay());
    }
  }

  // Real samples that play in order: counts samples equal to sampleAt(ts) for
  // a ts one after the previous real sample's (or a forward skip of at most
  // `maxSkip` samples: a shrink).
  struct Order {
    size_t inOrder = 0;
    size_t backwards = 0;
  };
  Order order(uint32_t maxSkip = 80) const {
    Order o;
    int prev = -1;
    for (size_t i = 0; i < out.size(); ++i) {
      if (!clean[i / kFrameSamples]) continue;  // silence or concealment
      int cur = out[i] - 100;
      if (prev >= 0) {
        int d = (cur - prev + 20000) % 20000;
        if (d >= 1 && d <= static_cast<int>(maxSkip) + 1) {
          ++o.inOrder;
        } else if (d == 0 || d > 10000) {
          ++o.backwards;  // repeated or older audio after newer
        }
      }
      prev = cur;
    }
    return o;
  }
  size_t count(JitterBuffer::Frame k) const {
    return static_cast<size_t>(std::count(kinds.begin(), kinds.end(), k));
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(jitter_buffer)

BOOST_AUTO_TEST_CASE(steady_stream_plays_in_order_and_settles_to_a_small_delay) {
  Sim sim;
  sim.run(
      500, [](int k) { return k * 20 + 1; }, 10000);
  auto o = sim.order();
  BOOST_TEST(o.backwards == 0u);
  BOOST_TEST(sim.count(JitterBuffer::Frame::kConcealed) == 0u);
  BOOST_TEST(sim.jb.stats().late == 0u);
  // Starts at the initial 40 ms, shrinks to under one frame of spare.
  BOOST_TEST(sim.delays[10].count() >= 30);
  BOOST_TEST(sim.delays[400].count() <= 20);
  BOOST_TEST(sim.jb.stats().shrinks >= 2u);
}

BOOST_AUTO_TEST_CASE(reordered_packets_play_in_timestamp_order) {
  Sim sim;
  // Swap every pair: 1 arrives before 0, 3 before 2, ...
  sim.run(
      200, [](int k) { return (k ^ 1) * 20 + 1; }, 4000);
  auto o = sim.order();
  BOOST_TEST(o.backwards == 0u);
  BOOST_TEST(sim.count(JitterBuffer::Frame::kConcealed) == 0u);
  BOOST_TEST(sim.jb.stats().late == 0u);
  BOOST_TEST(o.inOrder > 190u * 160u);
}

BOOST_AUTO_TEST_CASE(duplicates_are_counted_and_change_nothing) {
  Sim once, twice;
  once.run(
      200, [](int k) { return k * 20 + 1; }, 4000);
  twice.run(
      200, [](int k) { return k * 20 + 1; }, 4000, 2);
  BOOST_TEST(twice.jb.stats().duplicates == 200u);
  BOOST_TEST(once.out == twice.out);
}

BOOST_AUTO_TEST_CASE(lost_packets_are_concealed_by_fading_the_last_frame) {
  // Enough spare delay that it never shrinks: frames stay aligned with
  // packets, so each lost packet is exactly one concealed frame.
  JitterConfig c;
  c.minDelay = 50ms;
  Sim sim(c);
  sim.run(
      300, [](int k) { return k % 10 == 5 ? -1 : k * 20 + 1; }, 6000);
  BOOST_TEST(sim.order().backwards == 0u);
  size_t concealed = sim.count(JitterBuffer::Frame::kConcealed);
  BOOST_TEST(concealed >= 25u);
  BOOST_TEST(concealed <= 35u);
  // A concealed frame repeats the previous one, attenuated, and is not silent.
  for (size_t f = 1; f < sim.kinds.size(); ++f) {
    if (sim.kinds[f] != JitterBuffer::Frame::kConcealed ||
        sim.kinds[f - 1] != JitterBuffer::Frame::kAudio)
      continue;
    int16_t prev = sim.out[(f - 1) * kFrameSamples + 10];
    int16_t now = sim.out[f * kFrameSamples + 10];
    BOOST_TEST(now > 0);
    BOOST_TEST(now <= prev);
  }
}

BOOST_AUTO_TEST_CASE(a_long_gap_fades_to_silence_after_sixty_ms) {
  Sim sim;
  sim.run(
      100, [](int k) { return k < 50 ? k * 20 + 1 : -1; }, 2000);
  // After the stream stops: three concealed frames, then silence.
  size_t firstMissing = 0;
  for (size_t f = 0; f < sim.kinds.size(); ++f)
    if (sim.kinds[f] == JitterBuffer::Frame::kConcealed) {
      firstMissing = f;
      break;
    }
  BOOST_REQUIRE(firstMissing > 0u);
  BOOST_TEST((sim.kinds[firstMissing + 2] == JitterBuffer::Frame::kConcealed));
  BOOST_TEST((sim.kinds[firstMissing + 3] == JitterBuffer::Frame::kSilence));
  for (size_t i = (firstMissing + 3) * kFrameSamples; i < sim.out.size(); ++i)
    BOOST_TEST(sim.out[i] == 0);
}

BOOST_AUTO_TEST_CASE(delay_grows_with_jitter_and_shrinks_back_when_it_stops) {
  // 5 s steady, 15 s with 0-60 ms of arrival jitter, 10 s steady again.
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> jitter(0, 60);
  std::vector<int> extra(1500, 0);
  for (size_t k = 250; k < 1000; ++k)
    extra[k] = jitter(rng);
  Sim sim;
  sim.run(
      1500, [&](int k) { return k * 20 + 1 + extra[static_cast<size_t>(k)]; }, 30000);
  BOOST_TEST(sim.order().backwards == 0u);
  // Small while steady ...
  BOOST_TEST(sim.delays[240].count() <= 20);
  // ... grew to cover the jitter ...
  auto maxDelay = *std::max_element(sim.delays.begin() + 250, sim.delays.begin() + 1000);
  BOOST_TEST(maxDelay.count() >= 50);
  BOOST_TEST(maxDelay.count() <= 200);
  BOOST_TEST(sim.jb.stats().grows >= 1u);
  // ... losing only the few packets that taught it (of 750 jittered ones) ...
  BOOST_TEST(sim.jb.stats().late <= 20u, "late " << sim.jb.stats().late);
  // ... and came back down once the jitter stopped.
  BOOST_TEST(sim.delays.back().count() <= 20, "final delay " << sim.delays.back().count());
  BOOST_TEST(sim.jb.stats().shrinks >= 4u);
}

BOOST_AUTO_TEST_CASE(packet_times_of_10_30_and_40_ms_become_20_ms_frames) {
  for (int ptime : {10, 30, 40}) {
    Sim sim;
    sim.ptimeMs = ptime;
    int packets = 4000 / ptime;
    sim.run(
        packets, [&](int k) { return k * ptime + 1; }, 4000);
    auto o = sim.order();
    BOOST_TEST(o.backwards == 0u, "ptime " << ptime);
    BOOST_TEST(sim.count(JitterBuffer::Frame::kConcealed) == 0u, "ptime " << ptime);
    BOOST_TEST(o.inOrder > 3000u * kSamplesPerMs, "ptime " << ptime);
  }
}

BOOST_AUTO_TEST_CASE(a_flood_never_buffers_more_than_the_maximum) {
  JitterConfig c;
  c.maxDelay = 120ms;
  Sim sim(c);
  // 500 packets (10 s of audio) arrive at once.
  sim.run(
      500, [](int) { return 0; }, 400);
  for (auto d : sim.delays)
    BOOST_TEST(d.count() <= 120);
  BOOST_TEST(sim.jb.stats().overflow > 0u);
  BOOST_TEST(sim.order().backwards == 0u);
}

BOOST_AUTO_TEST_CASE(timestamp_jumps_resynchronise_instead_of_stalling) {
  JitterBuffer jb;
  std::vector<int16_t> s(160, 1000);
  std::array<int16_t, kFrameSamples> f{};
  for (uint32_t k = 0; k < 10; ++k) {
    jb.push(k * 160, false, s);
    jb.pop(f);
  }
  // The sender jumps 10 s ahead, then 30 s back.
  BOOST_TEST((jb.push(80000, false, s) == JitterBuffer::Push::kResync));
  bool heard = false;
  for (int i = 0; i < 5; ++i)
    heard |= jb.pop(f) == JitterBuffer::Frame::kAudio && f[0] == 1000;
  BOOST_TEST(heard);
  BOOST_TEST((jb.push(1000, false, s) == JitterBuffer::Push::kResync));
  BOOST_TEST(jb.stats().resyncs == 2u);
  BOOST_TEST(jb.delay().count() <= 200);
}

BOOST_AUTO_TEST_CASE(invalid_sizes_are_refused) {
  JitterBuffer jb;
  std::vector<int16_t> none, huge(2000);
  BOOST_TEST((jb.push(0, false, none) == JitterBuffer::Push::kInvalid));
  BOOST_TEST((jb.push(0, false, huge) == JitterBuffer::Push::kInvalid));
  BOOST_TEST(!jb.started());
}

BOOST_AUTO_TEST_SUITE_END()
