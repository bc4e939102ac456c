"""unspin -- Python binding (ctypes, standard library only) for the unspin C library.

unspin reads a news article and predicts its genre, its frames and, per
paragraph, the persuasion techniques it uses (SemEval-2023 Task 3).

    >>> import unspin
    >>> with unspin.Model() as m:
    ...     r = m.analyze("They will destroy everything we love.", lang="en")
    ...     r["genre"]["label"], [f["label"] for f in r["frames"]]

Where things are found:
  * the shared library: $UNSPIN_LIB, else build/libunspin.so in the repository
    this package sits in (python/unspin/ -> ../../build/), else the system
    linker path (libunspin.so);
  * the default model: $UNSPIN_MODEL, else models/default.usm in the repository.

A Model is immutable once loaded and us_analyze is thread-safe, and ctypes
releases the GIL during the call, so one Model can serve many threads
(see analyze_many(..., threads=N)). Do not close() it while other threads
are still analysing with it.

Errors from the C library raise UnspinError, which carries the C status code
(e.g. -6, "EUTF8") and the library's message (us_err).
"""

import ctypes
import ctypes.util
import json
import os
import threading

__all__ = ["Model", "UnspinError", "analyze_many", "library_path", "default_model_path"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))

US_ERR_LEN = 512


class UnspinError(Exception):
    """An error reported by the unspin C library.

    Attributes: code (negative int, US_E*), name ("EUTF8"...), message (the
    C message, e.g. "invalid UTF-8 at byte 3")."""

    def __init__(self, code, name, message):
        super().__init__("%s (%s)" % (message, name))
        self.code = code
        self.name = name
        self.message = message


class _Err(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("msg", ctypes.c_char * US_ERR_LEN)]


class _Opts(ctypes.Structure):
    _fields_ = [("lang", ctypes.c_char_p), ("explain", ctypes.c_int), ("tasks", ctypes.c_int)]


# us_analyze_opts.tasks bits (include/unspin.h: US_DO_*)
_TASK_BITS = {"genre": 1, "framing": 2, "techniques": 4, "spans": 4 | 8, "all": 15}


def _task_mask(tasks):
    """None -> 0 (all); "genre,techniques" or ["genre", "techniques"] -> bits."""
    if tasks is None:
        return 0
    names = tasks.split(",") if isinstance(tasks, str) else list(tasks)
    mask = 0
    for n in names:
        if n not in _TASK_BITS:
            raise ValueError("unspin: unknown task %r (genre, framing, techniques, spans, all)"
                             % (n,))
        mask |= _TASK_BITS[n]
    if not mask:
        raise ValueError("unspin: no task given")
    return mask


def library_path():
    """Path of the shared library that will be loaded."""
    env = os.environ.get("UNSPIN_LIB")
    if env:
        return env
    local = os.path.join(_REPO, "build", "libunspin.so")
    if os.path.exists(local):
        return local
    return ctypes.util.find_library("unspin") or "libunspin.so"


def default_model_path():
    """Path of the default model: $UNSPIN_MODEL or models/default.usm in the repository."""
    env = os.environ.get("UNSPIN_MODEL")
    if env:
        return env
    return os.path.join(_REPO, "models", "default.usm")


_lib = None
_lib_lock = threading.Lock()


def _load_lib():
    global _lib
    with _lib_lock:
        if _lib is not None:
            return _lib
        path = library_path()
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise OSError("unspin: cannot load the shared library %s: %s\n"
                          "HINT: run 'make' in the repository or set UNSPIN_LIB" % (path, e))
        vp, cp, sz = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t
        lib.us_model_load.argtypes = [cp, ctypes.POINTER(_Err)]
        lib.us_model_load.restype = vp
        lib.us_model_free.argtypes = [vp]
        lib.us_model_free.restype = None
        lib.us_model_version.argtypes = [vp]
        lib.us_model_version.restype = cp
        lib.us_model_tasks.argtypes = [vp]
        lib.us_model_tasks.restype = ctypes.c_int
        lib.us_analyze.argtypes = [vp, cp, sz, ctypes.POINTER(_Opts), ctypes.POINTER(vp),
                                   ctypes.POINTER(_Err)]
        lib.us_analyze.restype = ctypes.c_int
        lib.us_analysis_free.argtypes = [vp]
        lib.us_analysis_free.restype = None
        lib.us_analysis_json.argtypes = [vp, vp, cp, sz]
        lib.us_analysis_json.restype = vp       # freed with us_free_string, so not c_char_p
        lib.us_free_string.argtypes = [vp]
        lib.us_free_string.restype = None
        lib.us_strerror.argtypes = [ctypes.c_int]
        lib.us_strerror.restype = cp
        _lib = lib
        return lib


def _raise(lib, err):
    name = (lib.us_strerror(err.code) or b"?").decode("ascii", "replace")
    raise UnspinError(err.code, name, err.msg.decode("utf-8", "replace"))


class Model:
    """A loaded unspin model (.usm). Model(path=None) loads the default model.

    Use as a context manager or call close(); close() twice is harmless."""

    def __init__(self, path=None):
        self._lib = _load_lib()
        self.path = os.fspath(path) if path is not None else default_model_path()
        err = _Err()
        h = self._lib.us_model_load(os.fsencode(self.path), ctypes.byref(err))
        if not h:
            _raise(self._lib, err)
        self._h = h
        self.version = self._lib.us_model_version(h).decode("utf-8", "replace")
        bits = self._lib.us_model_tasks(h)
        # the subtasks this model answers (a model trained on framing labels alone: framing)
        self.tasks = tuple(t for i, t in enumerate(("genre", "framing", "techniques")) if bits >> i & 1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        state = "closed" if self.closed else self.version
        return "<unspin.Model %s (%s)>" % (self.path, state)

    @property
    def closed(self):
        return getattr(self, "_h", None) is None

    def close(self):
        """Frees the model. Safe to call more than once."""
        h, self._h = getattr(self, "_h", None), None
        if h:
            self._lib.us_model_free(h)

    def analyze(self, text, lang=None, explain=False, tasks=None):
        """Analyses one article and returns the result as a dict (docs/SCHEMA.md):
        genre, frames, frame_probs, paragraphs (techniques and spans per line).
        A text without words (n_words 0) has genre None and no frames.

        text: str (encoded as UTF-8) or bytes (must be valid UTF-8).
        lang: dataset language code (en fr ge it po ru ...) or None = unknown.
        explain: add the top cues behind each decision.
        tasks: None (all) or names among genre, framing, techniques, spans
        (techniques with their spans), as a list or "genre,techniques"; the
        others are None in the result, as with `unspin batch --task`.
        Raises UnspinError (e.g. EUTF8 for invalid bytes), ValueError if closed
        or for an unknown task name."""
        h = self._h
        if not h:
            raise ValueError("unspin: the model is closed")
        if isinstance(text, str):
            # surrogatepass: a lone surrogate becomes invalid UTF-8 and the
            # library reports it (EUTF8) like any other bad input
            data = text.encode("utf-8", "surrogatepass")
        elif isinstance(text, (bytes, bytearray, memoryview)):
            data = bytes(text)
        else:
            raise TypeError("unspin: text must be str or bytes, not %s" % type(text).__name__)
        opts = _Opts(lang.encode("ascii", "replace") if lang else None, 1 if explain else 0,
                     _task_mask(tasks))
        err = _Err()
        a = ctypes.c_void_p()
        rc = self._lib.us_analyze(h, data, len(data), ctypes.byref(opts), ctypes.byref(a),
                                  ctypes.byref(err))
        if rc != 0:
            _raise(self._lib, err)
        try:
            s = self._lib.us_analysis_json(h, a, data, len(data))
            if not s:
                raise MemoryError("unspin: out of memory while writing the analysis")
            try:
                return json.loads(ctypes.string_at(s).decode("utf-8"))
            finally:
                self._lib.us_free_string(s)
        finally:
            self._lib.us_analysis_free(a)

    def analyze_record(self, rec, explain=False, lang=None, tasks=None):
        """One JSON Lines record (dict with "id", "text", optional "lang") to the
        `unspin batch` output shape: {"id", <other fields>, "result"} or
        {"id", "error"}. Never raises for bad records."""
        if not isinstance(rec, dict):
            return {"id": None, "error": "not a JSON object"}
        rid = rec.get("id")
        text = rec.get("text")
        if "text" not in rec:
            return {"id": rid, "error": 'missing "text"'}
        if not isinstance(text, str):
            return {"id": rid, "error": '"text" is not a string'}
        rlang = rec.get("lang", lang)
        if rlang is not None and not isinstance(rlang, str):
            return {"id": rid, "error": '"lang" is not a string'}
        try:
            res = self.analyze(text, lang=rlang or lang, explain=explain, tasks=tasks)
        except UnspinError as e:
            return {"id": rid, "error": str(e)}
        out = {"id": rid}
        for k, v in rec.items():
            if k not in ("id", "text", "lang", "result", "error"):
                out[k] = v
        out["result"] = res
        return out


def analyze_many(items, model=None, lang=None, explain=False, threads=1, tasks=None):
    """Analyses an iterable lazily, in order, yielding one dict per item.

    items: str/bytes articles (yields the analysis dicts; an invalid article
    raises UnspinError) or dict records {"id","text","lang",...} (yields the
    `unspin batch` shape, errors included as {"id","error"}).
    model: a Model or a path (None = default model; loaded and closed here).
    threads: > 1 analyses that many items at once with one shared model (the
    C call releases the GIL); at most 2*threads items are held at a time.
    tasks: as for Model.analyze (None = all)."""
    _task_mask(tasks)   # an unknown name fails before any item is analysed
    own = not isinstance(model, Model)
    m = Model(model) if own else model

    def one(x):
        if isinstance(x, dict):
            return m.analyze_record(x, explain=explain, lang=lang, tasks=tasks)
        return m.analyze(x, lang=lang, explain=explain, tasks=tasks)

    try:
        if threads <= 1:
            for x in items:
                yield one(x)
            return
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=threads) as pool:
            pending = deque()
            for x in items:
                pending.append(pool.submit(one, x))
                if len(pending) >= 2 * threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        if own:
            m.close()
