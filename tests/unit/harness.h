/* harness.h -- cmocka plus the few helpers unspin's unit tests share. */
#ifndef US_TEST_HARNESS_H
#define US_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

/* Directory of test fixtures, relative to the repository root (tests run there). */
#define US_FIXTURES "tests/fixtures"

#endif
