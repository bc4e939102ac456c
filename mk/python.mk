# python.mk -- the ctypes binding and the Dask recipe (python/), and the batch tests.
#   make python-test   python/tests/test_binding.py against $(BUILD)/libunspin.so
#   make dask-test     the Dask recipe on a local two-worker cluster (needs python3-distributed)
#   make batch-test    tests/cli/batch.sh alone
# All three also run as part of `make test` (tests/cli/*.sh).
.PHONY: python-test dask-test batch-test

python-test: $(BUILD)/libunspin.so
	UNSPIN=$(BUILD)/unspin bash tests/cli/python.sh

dask-test: $(BUILD)/libunspin.so
	UNSPIN=$(BUILD)/unspin bash tests/cli/dask.sh

batch-test: $(BUILD)/unspin
	UNSPIN=$(BUILD)/unspin bash tests/cli/batch.sh
