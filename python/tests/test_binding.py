"""Unit tests of the ctypes binding (standard library unittest).

Run from the repository root:
    PYTHONPATH=python /usr/bin/python3 -m unittest discover -s python/tests -v
$UNSPIN_LIB and $UNSPIN_MODEL override the library and the model."""

import gc
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import unspin  # noqa: E402

ARTICLE = ("The corrupt elites will destroy everything we love!\n"
           "\n"
           "Experts agree: this reckless plan is a disaster waiting to happen.\n")


class BindingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = unspin.Model()

    @classmethod
    def tearDownClass(cls):
        cls.m.close()

    def test_analyze_shape(self):
        r = self.m.analyze(ARTICLE, lang="en")
        self.assertIn(r["genre"]["label"], ("opinion", "reporting", "satire"))
        self.assertIsInstance(r["frames"], list)
        self.assertEqual(len(r["frame_probs"]), 14)
        self.assertEqual([p["line"] for p in r["paragraphs"]], [1, 3])
        self.assertEqual(r["lang"], "en")
        self.assertEqual(r["n_lines"], 3)
        self.assertTrue(self.m.version.startswith("unspin-model"))
        self.assertEqual(self.m.tasks, ("genre", "framing", "techniques"))

    def test_no_words_no_genre(self):
        r = self.m.analyze("... !!!", lang="en")
        self.assertEqual((r["n_words"], r["genre"], r["frames"]), (0, None, []))
        self.assertGreater(self.m.analyze(ARTICLE, lang="en")["n_words"], 5)

    def test_bytes_and_str_agree(self):
        self.assertEqual(self.m.analyze(ARTICLE, lang="en"),
                         self.m.analyze(ARTICLE.encode("utf-8"), lang="en"))

    def test_explain_adds_cues(self):
        r = self.m.analyze(ARTICLE, lang="en", explain=True)
        self.assertIn("cues", r["genre"])
        spans = [s for p in r["paragraphs"] for s in p["spans"]]
        self.assertTrue(spans and all("cues" in s for s in spans))
        plain = self.m.analyze(ARTICLE, lang="en")
        self.assertFalse(any("cues" in s for p in plain["paragraphs"] for s in p["spans"]))

    def test_invalid_bytes_raise_with_c_message(self):
        with self.assertRaises(unspin.UnspinError) as cm:
            self.m.analyze(b"ok \xff\xfe", lang="en")
        e = cm.exception
        self.assertEqual(e.name, "EUTF8")
        self.assertEqual(e.code, -6)
        self.assertIn("invalid UTF-8 at byte 3", e.message)

    def test_lone_surrogate_is_invalid_utf8(self):
        with self.assertRaises(unspin.UnspinError):
            self.m.analyze("bad \ud800 text")

    def test_wrong_type(self):
        with self.assertRaises(TypeError):
            self.m.analyze(42)

    def test_missing_model(self):
        with self.assertRaises(unspin.UnspinError) as cm:
            unspin.Model("/nonexistent/model.usm")
        self.assertIn("/nonexistent/model.usm", str(cm.exception))

    def test_not_a_model(self):
        with tempfile.NamedTemporaryFile(suffix=".usm") as f:
            f.write(b"this is not a model file at all" * 10)
            f.flush()
            with self.assertRaises(unspin.UnspinError):
                unspin.Model(f.name)

    def test_close_twice_and_use_after_close(self):
        m = unspin.Model()
        with m:
            self.assertFalse(m.closed)
        self.assertTrue(m.closed)
        m.close()
        m.close()
        with self.assertRaises(ValueError):
            m.analyze("text")
        del m
        gc.collect()

    def test_analyze_many_records(self):
        recs = [{"id": 1, "text": ARTICLE, "lang": "en", "src": "a"},
                {"id": 2},
                {"id": 3, "text": 5},
                {"id": 4, "text": "ok \udcff"},
                {"id": 5, "text": "Short one."}]
        out = list(unspin.analyze_many(recs, model=self.m, threads=2))
        self.assertEqual([o["id"] for o in out], [1, 2, 3, 4, 5])
        self.assertEqual(out[0]["src"], "a")
        self.assertIn("result", out[0])
        self.assertNotIn("text", out[0])
        self.assertEqual(["error" in o for o in out], [False, True, True, True, False])
        self.assertFalse(self.m.closed)     # a borrowed model stays open

    def test_tasks_select_and_null_the_rest(self):
        full = self.m.analyze(ARTICLE, lang="en")
        tech = self.m.analyze(ARTICLE, lang="en", tasks=["techniques"])
        self.assertIsNone(tech["genre"])
        self.assertIsNone(tech["frames"])
        self.assertIsNone(tech["frame_probs"])
        self.assertEqual([p["techniques"] for p in tech["paragraphs"]],
                         [p["techniques"] for p in full["paragraphs"]])
        self.assertTrue(all(p["spans"] is None for p in tech["paragraphs"]))
        gf = self.m.analyze(ARTICLE, lang="en", tasks="genre,framing")
        self.assertEqual((gf["genre"], gf["frames"]), (full["genre"], full["frames"]))
        self.assertIsNone(gf["paragraphs"])
        self.assertEqual(self.m.analyze(ARTICLE, lang="en", tasks="spans")["paragraphs"],
                         full["paragraphs"])
        with self.assertRaises(ValueError):
            self.m.analyze(ARTICLE, tasks="genre,bogus")
        rec = next(unspin.analyze_many([{"id": 7, "text": ARTICLE}], model=self.m,
                                       lang="en", tasks="techniques"))
        self.assertEqual(rec["result"], tech)

    def test_analyze_many_threads_match_serial(self):
        texts = ["Article number %d. They lie!\nWe win." % i for i in range(40)]
        self.assertEqual(list(unspin.analyze_many(texts, model=self.m, lang="en")),
                         list(unspin.analyze_many(texts, model=self.m, lang="en", threads=4)))


if __name__ == "__main__":
    unittest.main()
