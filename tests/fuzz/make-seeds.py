#!/usr/bin/env python3
"""make-seeds.py -- (re)writes the hand-made seeds of tests/fuzz/corpus/<target>/.

Run from the repository root: python3 tests/fuzz/make-seeds.py
Seeds are small and meaningful (see docs/FUZZING.md); files found by fuzzing
and added later (named by their SHA-1, as libFuzzer does) are left alone.
For fuzz_mfile, the committed model fixtures (tests/fixtures/models/*.usm)
seed the raw-container mode, and short records seed the modes that mutate the
tiny valid model built inside the target (tests/fuzz/tiny_model.h).
"""
import os, struct

ROOT = "tests/fuzz/corpus"

TEXTS = {
    "ascii": b"Mr. Smith said: \"We won't stop!!!\" The cost rose to 2,000 or 3.5%.\n",
    "multilingual": open("tests/fixtures/text/multilingual.txt", "rb").read(),
    "crlf-bom": b"\xef\xbb\xbfFirst line\r\nSecond line.\r\n\r\nThird\r\n",
    "bad-utf8": b"ok\n\xed\xa0\x80 surrogate \xc0\xaf overlong \xf4\x90\x80\x80 big \xe2\x82 trunc\xff",
    "nul": b"before\x00after\n\x00\x00\nend",
    "zero-width-bidi": "wo\u200brd \u200ejoin\u200d\u0301er \u202eevil\u202c \u2066iso\u2069"
                       " soft\u00adhyphen \ufeffmid-BOM \u2060wj".encode(),
    "emoji": "Flag \U0001F1FA\U0001F1E6 family \U0001F468\u200d\U0001F469\u200d\U0001F467"
             " thumbs \U0001F44D\U0001F3FD tag \U0001F3F4\U000E0067\U000E0062\U000E0065"
             "\U000E006E\U000E0067\U000E007F !!! ... \u2026".encode(),
    "quotes-sent": "«Он сказал: „Nein“.» Dr. Who. J. R. R. Tolkien am 3. Oktober. "
                   "проф. Иванов ul. Długa 5. Why?! \u201cOk\u201d. 它說：「好」。".encode(),
    "georgian-greek": "ეს არის ტესტი. Αυτό είναι ένα «τεστ». Τι;\nl'homme high-ranking don't"
                      " l\u2019homme".encode(),
    "empty-lines": b"\n\n\n\na\n\n\n",
    "only-cr": b"a\rb\r\rc",
    "long-token": b"x" * 3000 + b" " + "é".encode() * 500,
    "empty": b"",
}

LABELS = {
    "genre": b"101\topinion\n102\treporting\n103\tsatire\n",
    "genre-bad": b"101\tOpinion\n102\n103\topinion,satire\n\t\n104\tunknown\n101\topinion\n",
    "framing": b"201\tEconomic,Political\n202\tPolitical\n203\t\n",
    "framing-messy": b"\xef\xbb\xbf201\tEconomic , Political,\r\n202\tpolitical\r\n  \r\n"
                     b"a\xc3\xa9\tEconomic\n" + b"9" * 40 + b"\tPolitical\n",
    "tech": b"301\t1\tDoubt\n301\t2\t\n301\t3\tLoaded_Language,Doubt\n",
    "tech-messy": "\ufeff1001\t1\tLoaded_Language,Doubt\n1001\t2\t\n1001\t3\t"
                  "Appeal_to_Fear-Prejudi-\u010dce\n1001\t0\tDoubt\n1001\tx\tDoubt\n"
                  "1001\t99999999999\tDoubt\n1001\t3\tDoubt\n".encode(),
    "spans": b"401\tDoubt\t0\t10\n401\tDoubt\t20\t30\n401\tLoaded_Language\t5\t7\n",
    "spans-bad": b"401\tDoubt\t10\t0\n401\tDoubt\t5\t5\n401\t\t1\t2\n401\tDoubt\t-1\t3\n"
                 b"401\tNope\t1\t2\n401\tDoubt\t0\t4294967295\n401\tDoubt\t0\t10\n401\tDoubt\t0\t10\n",
    "wrong-columns": b"1\t2\t3\t4\t5\t6\n1\n\t\t\n",
    "binary": bytes(range(256)),
}

def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)

for k, v in TEXTS.items():
    write("utf8_tok", k, v)
    # fuzz_analyze: byte 0 = options (bit 0 explain, bits 1-3 tasks, bits 4-7 language)
    write("analyze", k, bytes([0x31]) + v)       # en, explain, all tasks
write("analyze", "ru-tech-only", bytes([0x68]) + TEXTS["quotes-sent"])   # ru, techniques
write("analyze", "unknown-lang", bytes([0xa1]) + TEXTS["georgian-greek"])
write("analyze", "genre-only", bytes([0x02]) + TEXTS["ascii"])

for k, v in LABELS.items():
    write("labels", k, v)

# fuzz_lexicon: the shipped word list's first lines, and the malformed cases
with open("data/lexicon/afinn-multilang.tsv", "rb") as f:
    write("lexicon", "afinn-head", b"".join(f.readlines()[:40]))
LEXICONS = {
    "crlf-comments": b"# c\r\nen\tliars\t-3\r\n\r\nfr\thonte\t-2\r\n",
    "multiword-zero": b"en\tout of order\t-2\nen\tneutral\t0\nen\tgood\t3\n",
    "bad-columns": b"en\tgood\t2\nen\tbad\nen\ta\tb\tc\n",
    "bad-valence": b"en\tgood\t9\nen\tbad\t-2x\n",
    "bad-utf8": b"en\tgo\xffod\t2\n",
    "punct-only": b"en\t!!!\t2\nen\t42\t1\n",
    "unicode": "ru\tложь\t-3\ngr\tψέμα\t-3\nka\tტყუილი\t-3\nge\tSCHÖN\t3\n".encode(),
}
for k, v in LEXICONS.items():
    write("lexicon", k, v)

fx = "tests/fixtures/models"
for f in sorted(os.listdir(fx)):
    if f.endswith(".usm"):
        write("mfile", "fixture-" + f[:-4], open(os.path.join(fx, f), "rb").read())
# Mutation records for the built-in tiny model: mode byte, then (u32le pos, u8 value).
def rec(pos, v): return struct.pack("<IB", pos, v)
write("mfile", "tiny-unmodified", b"\x01")
write("mfile", "tiny-unmodified-resigned", b"\x02")
write("mfile", "tiny-flip-header", b"\x01" + rec(9, 1))
write("mfile", "tiny-future-major", b"\x02" + rec(0x40000000 | 8, 2))
write("mfile", "tiny-truncate", b"\x01" + rec(0x80000000 | 131, 0))
write("mfile", "tiny-truncate-resigned", b"\x02" + rec(0x80000000 | 4000, 0))
write("mfile", "tiny-nsec-resigned", b"\x02" + rec(0x40000000 | 12, 0xff))
write("mfile", "tiny-section-bytes-resigned",
      b"\x02" + rec(200, 0x10) + rec(300, 0x80) + rec(1000, 0xff) + rec(5000, 0x7f))
write("mfile", "raw-garbage", b"\x00garbage that is not a model")

# fuzz_request: byte 0 = options (see fuzz_request.c), then NUL-terminated custom
# values when selected, then the body.
REQ = {
    "json-basic": (0x02, b'{"text": "They lie!\\nC\'est une farce.", "lang": "fr", "explain": false}'),
    "json-utf8": (0x03, '{"text":"Это позор \\u00e9\\ud83d\\udc4d \\u0000 nul","lang":"RU"}'.encode()),
    "json-bad-types": (0x02, b'{"text": 5, "lang": ["en"], "explain": "yes"}'),
    "json-dup": (0x02, b'{"text":"a","text":"b"}'),
    "json-truncated": (0x02, b'{"text": "unterminated'),
    "json-not-object": (0x02, b'["text"]'),
    "json-bad-lang": (0x02, b'{"text":"x","lang":"e n"}'),
    "json-null-members": (0x06, b'{"text":"x","lang":null,"explain":null,"other":{}}'),
    "plain-query": (0x01 | (1 << 3) | (2 << 5), "Plain text body.\r\nЗдравствуйте.".encode()),
    "plain-custom": (0x05 | (2 << 3) | (3 << 5),
                     b"text/plain;charset=utf-8\x00auto\x00true\x00Body with custom headers"),
    "plain-latin1": (0x04, b"caf\xe9"),
    "bad-utf8": (0x01, b"ok \xed\xa0\x80 bad"),
    "multipart": (0x07, b"--x\r\nContent-Disposition: form-data\r\n\r\nhi\r\n--x--"),
    "too-big": (0x82, b'{"text":"' + b"a" * 80 + b'"}'),
    "empty-json": (0x02, b""),
    "custom-ct-garbage": (0x05, b"application/json; charset=\x00{\"text\":\"x\"}"),
}
for k, (opt, body) in REQ.items():
    write("request", k, bytes([opt]) + body)

# fuzz_batch_line: byte 0 = options (bit 0 explain, bit 1 default language "en"), then one line.
LINES = {
    "basic": b'{"id":"a1","text":"They lie!\\nC\'est une farce.","lang":"fr","src":{"k":[1,2.5]}}',
    "escaped-names": b'{"\\u0069d":7,"te\\u0078t":"Escaped names.","la\\u006eg":null}',
    "nul-pair": '{"id":1,"text":"a\\u0000b \\ud83d\\ude00 \u00e9"}'.encode(),
    "lone-surrogates": b'{"id":2,"text":"x \\ud83d\\u0041 \\udc00 \\\\ud800"}',
    "dup-text": b'{"id":3,"text":"a","text":"b"}',
    "dup-other": b'{"id":4,"text":"a","x":1,"x":1e999}',
    "not-object": b'["text","x"]',
    "trailing": b'{"id":5,"text":"a"} x',
    "truncated": b'{"id":6,"text":"unterminated',
    "bad-types": b'{"id":[1,{"a":null}],"text":5,"lang":true}',
    "deep": b'{"id":8,"d":' + b"[" * 300 + b"]" * 300 + b',"text":"deep"}',
    "blank": b"   \t ",
    "raw-bad-utf8": b'{"id":9,"text":"bad \xff byte"}',
    "no-id": b'{"text":"no id","result":"old","error":"old"}',
    # found by fuzzing: yajl takes \f for white space, the raw scanner did not;
    # jansson takes a raw NUL after a number (the target's differential check)
    "regress-formfeed-whitespace": b'{"id":4,"x"\x0c\x0c:[1,\x0c2],"text":"a"}',
    "regress-raw-nul-after-number": b'{"id":9\x00,"text":"x"}',
}
for i, (k, line) in enumerate(LINES.items()):
    write("batch_line", k, bytes([i % 4]) + line)
