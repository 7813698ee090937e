# bench/: `make bench` runs every program in BENCHMARKS and gathers their
# records into build/bench/results.json.
EXTRA_DIST += bench/bench.hpp
noinst_PROGRAMS += bench/store_bench
bench_store_bench_SOURCES = bench/store_bench.cpp tests/support/process.cpp
bench_store_bench_LDADD = core/libcore.a $(OUTPOST_SYS_LIBS)
BENCHMARKS += bench/store_bench
