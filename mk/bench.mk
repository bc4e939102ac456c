# Benchmark helpers (bench/run.sh builds them through `make bench-tools`).
.PHONY: bench-tools
bench-tools: $(BUILD)/bench_load $(BUILD)/bench_stages

$(BUILD)/bench_load: bench/bench_load.c $(BUILD)/libunspin.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libunspin.a $(LIBS)

$(BUILD)/bench_stages: bench/bench_stages.c $(BUILD)/libunspin.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libunspin.a $(LIBS)
