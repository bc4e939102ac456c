# unspin -- build, test, model, bench.
#   make            library, CLI (build/unspin), shared library (build/libunspin.so)
#   make test       unit + golden + CLI tests (quick set)
#   make san        the same tests under AddressSanitizer + UBSan (build-san/)
#   make check      everything CI runs: -Werror build, tests, sanitizers, fuzz replay, browser
#   make model      retrain models/default.usm from ../shared/data (needs the data)
#   make bench      throughput benchmarks (bench/run.sh)
# WERROR=1 (set by CI) turns warnings into errors.

CC      ?= cc
BUILD   ?= build
OPT     ?= -O3
CFLAGS  ?=
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN    += -Werror
endif
ALL_CFLAGS := -std=c17 $(OPT) -g $(WARN) -fPIC -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
              -Iinclude -Isrc -pthread $(CFLAGS)
LIBS    := -lutf8proc -lyajl -lxxhash -lm -pthread
SRV_LIBS := -ldl   # libmicrohttpd is opened by `unspin serve` (src/server/mhd.h)

LIB_SRC := $(sort $(wildcard src/base/*.c src/text/*.c src/feat/*.c src/model/*.c \
                             src/task/*.c src/io/*.c))
SRV_SRC := $(sort $(wildcard src/server/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
SRV_OBJ := $(SRV_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test san check model bench clean install
all: $(BUILD)/unspin $(BUILD)/libunspin.so $(BUILD)/libunspin.a

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libunspin.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libunspin.so: $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) -shared -o $@ $^ $(LIBS)

$(BUILD)/unspin: $(CLI_OBJ) $(SRV_OBJ) $(BUILD)/libunspin.a
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(SRV_OBJ) $(BUILD)/libunspin.a $(LIBS) $(SRV_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libunspin.a tests/unit/harness.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libunspin.a $(LIBS) -lcmocka

test: all $(TEST_BIN)
	@BUILD=$(BUILD) tests/run.sh

san:
	$(MAKE) BUILD=build-san OPT=-O1 \
	  CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  test

check:
	scripts/check.sh

model: $(BUILD)/unspin
	tools/make-model.sh

bench: $(BUILD)/unspin
	bench/run.sh

install: all
	install -d $(DESTDIR)/usr/local/bin $(DESTDIR)/usr/local/share/unspin \
	  $(DESTDIR)/usr/local/share/man/man1
	install -m 755 $(BUILD)/unspin $(DESTDIR)/usr/local/bin/unspin
	install -m 644 models/default.usm $(DESTDIR)/usr/local/share/unspin/default.usm
	install -m 644 docs/unspin.1 $(DESTDIR)/usr/local/share/man/man1/unspin.1

clean:
	rm -rf build build-san build-fuzz

# Feature areas add their own targets in mk/*.mk (fuzzing, python binding, browser tests...).
-include mk/*.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
