# span.mk -- the technique span tagger's evaluation driver (docs/SPANS.md).
#   make build/span_cv     5-fold CV of the span tagger (oracle paragraph techniques)
#   make span-cv           builds and runs it on ../shared/data/semeval2023
.PHONY: span-cv
all: $(BUILD)/span_cv

$(BUILD)/span_cv: tools/span_cv.c $(BUILD)/libunspin.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libunspin.a $(LIBS)

span-cv: $(BUILD)/span_cv
	$(BUILD)/span_cv --data ../shared/data/semeval2023
