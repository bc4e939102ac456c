# server.mk -- `unspin serve` extras (included by the Makefile).
#   make page          regenerate src/server/page.c from web/index.html
#   make browser-test  headless Chromium test of the web page (tests/browser/run.sh)
# The request-parser unit test links src/server/request.o besides libunspin.a.

.PHONY: page browser-test

page:
	tools/embed.sh web/index.html src/server/page.c

browser-test: $(BUILD)/unspin
	UNSPIN=$(BUILD)/unspin tests/browser/run.sh

$(BUILD)/tests/test_request: tests/unit/test_request.c $(BUILD)/src/server/request.o \
                             $(BUILD)/libunspin.a tests/unit/harness.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/src/server/request.o $(BUILD)/libunspin.a $(LIBS) -lcmocka
