# mk/fuzz.mk -- libFuzzer targets, corpus replay, bounded fuzzing runs.
#
#   make fuzz                    build-fuzz/fuzz_<name>: clang -fsanitize=fuzzer,address,undefined
#                                (the library is compiled again with clang into build-fuzz/lib)
#   make fuzz-replay             build-fuzz/replay/fuzz_<name>: tests/fuzz/replay.c + the target,
#                                ASan+UBSan, no libFuzzer ($(FUZZ_REPLAY_CC), gcc by default),
#                                then replays every committed corpus tests/fuzz/corpus/<name>/
#   make fuzz-run FUZZ_SECONDS=20   runs each libFuzzer target for FUZZ_SECONDS, starting from a
#                                temporary copy of the committed corpus (which never churns);
#                                crashes land in build-fuzz/artifacts/, logs in build-fuzz/logs/
# Targets: every tests/fuzz/fuzz_<name>.c (FUZZ_TARGETS="a b" picks some). FUZZ_FLAGS adds
# libFuzzer flags, FUZZ_DEFS compiler defines (rebuild: rm -rf build-fuzz). See docs/FUZZING.md.

FUZZ_CC        ?= clang
FUZZ_REPLAY_CC ?= $(CC)
FUZZ_BUILD     := build-fuzz
FUZZ_SECONDS   ?= 20
FUZZ_RSS_MB    ?= 2048
FUZZ_TIMEOUT   ?= 10
FUZZ_FLAGS     ?=
FUZZ_DEFS      ?=
FUZZ_TARGETS   ?= $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))

FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_COMMON := -std=c17 -O1 -g $(WARN) -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
               -Iinclude -Isrc -Itests/fuzz -pthread $(FUZZ_DEFS)
# Sources beyond the library that targets need (the server's request parser, batch lines).
FUZZ_EXTRA_SRC := $(wildcard src/server/request.c src/cli/batch_line.c)
FUZZ_LIB_SRC   := $(LIB_SRC) $(FUZZ_EXTRA_SRC)

# jansson: the second, independent JSON parser some targets check against.
FUZZ_LIBS      := $(LIBS) -ljansson
FUZZ_LIB_OBJ   := $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/lib/%.o)
REPLAY_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/replay/lib/%.o)
FUZZ_BIN       := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
REPLAY_BIN     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/replay/fuzz_%)

.PHONY: fuzz fuzz-replay fuzz-run
.SECONDARY: $(FUZZ_LIB_OBJ) $(REPLAY_LIB_OBJ)

fuzz: $(FUZZ_BIN)

$(FUZZ_BUILD)/lib/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_COMMON) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_COMMON) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_LIB_OBJ) $(FUZZ_LIBS)

$(FUZZ_BUILD)/replay/lib/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_REPLAY_CC) $(FUZZ_COMMON) $(FUZZ_SAN) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(REPLAY_LIB_OBJ) \
                             $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_REPLAY_CC) $(FUZZ_COMMON) $(FUZZ_SAN) -o $@ tests/fuzz/replay.c $< \
	  $(REPLAY_LIB_OBJ) $(FUZZ_LIBS)

fuzz-replay: $(REPLAY_BIN)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  [ -d tests/fuzz/corpus/$$t ] || { echo "fuzz-replay: no corpus tests/fuzz/corpus/$$t"; exit 1; }; \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(FUZZ_BUILD)/replay/fuzz_$$t tests/fuzz/corpus/$$t; \
	done

fuzz-run: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_BUILD)/artifacts $(FUZZ_BUILD)/logs
	@set -e; for t in $(FUZZ_TARGETS); do \
	  work=$$(mktemp -d "$${TMPDIR:-/tmp}/unspin-fuzz-$$t.XXXXXX"); \
	  if [ -d tests/fuzz/corpus/$$t ]; then cp tests/fuzz/corpus/$$t/* "$$work"/ 2>/dev/null || true; fi; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS)s (log: $(FUZZ_BUILD)/logs/$$t.log)"; \
	  rc=0; $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=$(FUZZ_RSS_MB) \
	    -timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t- $(FUZZ_FLAGS) "$$work" \
	    >$(FUZZ_BUILD)/logs/$$t.log 2>&1 || rc=$$?; \
	  grep -E '^#[0-9]+.*(DONE|pulse|NEW)' $(FUZZ_BUILD)/logs/$$t.log | tail -1; \
	  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' $(FUZZ_BUILD)/logs/$$t.log || true; \
	  rm -rf "$$work"; \
	  if [ $$rc -ne 0 ]; then echo "fuzz_$$t FAILED (exit $$rc); see $(FUZZ_BUILD)/logs/$$t.log"; \
	    tail -40 $(FUZZ_BUILD)/logs/$$t.log; exit 1; fi; \
	done

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
