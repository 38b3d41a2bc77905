/* tap.h - a tiny TAP producer for dh's C unit tests.
 *
 * Each TEST(name) is one TAP case.  CHECK macros record a failure with what
 * was expected and what came, and let the test go on, so one run shows every
 * broken assertion.  main() is TAP_MAIN(test1, test2, ...). */
#ifndef DH_TESTS_TAP_H
#define DH_TESTS_TAP_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_failed_checks;

#define TEST(name) static void name(void)

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("#   %s:%d: expected %s\n", __FILE__, __LINE__,   \
			       #cond);                                       \
			tap_failed_checks++;                                 \
		}                                                            \
	} while (0)

#define CHECK_INT(got, want)                                                 \
	do {                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		if (g_ != w_) {                                              \
			printf("#   %s:%d: %s: expected %lld, got %lld\n",       \
			       __FILE__, __LINE__, #got, w_, g_);            \
			tap_failed_checks++;                                 \
		}                                                            \
	} while (0)

#define CHECK_NEAR(got, want, tol)                                           \
	do {                                                                 \
		double g_ = (double)(got), w_ = (double)(want);              \
		if (!(fabs(g_ - w_) <= (tol))) {                             \
			printf("#   %s:%d: %s: expected %.9g (tol %g), got "     \
			       "%.9g\n",                                     \
			       __FILE__, __LINE__, #got, w_, (double)(tol), g_); \
			tap_failed_checks++;                                 \
		}                                                            \
	} while (0)

#define CHECK_STR(got, want)                                                 \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		if (!g_ || strcmp(g_, w_) != 0) {                            \
			printf("#   %s:%d: %s: expected \"%s\", got \"%s\"\n",   \
			       __FILE__, __LINE__, #got, w_,                 \
			       g_ ? g_ : "(null)");                          \
			tap_failed_checks++;                                 \
		}                                                            \
	} while (0)

/* The message contains `needle`. */
#define CHECK_HAS(got, needle)                                               \
	do {                                                                 \
		const char *g_ = (got), *n_ = (needle);                      \
		if (!g_ || !strstr(g_, n_)) {                                \
			printf("#   %s:%d: %s: expected to contain \"%s\", got " \
			       "\"%s\"\n",                                   \
			       __FILE__, __LINE__, #got, n_,                 \
			       g_ ? g_ : "(null)");                          \
			tap_failed_checks++;                                 \
		}                                                            \
	} while (0)

typedef struct tap_case {
	const char *name;
	void (*fn)(void);
} tap_case;

static inline int tap_run(const tap_case *cases, int n)
{
	int bad = 0;
	printf("1..%d\n", n);
	for (int i = 0; i < n; i++) {
		int before = tap_failed_checks;
		cases[i].fn();
		fflush(stdout);
		int fail = tap_failed_checks != before;
		printf("%sok %d - %s\n", fail ? "not " : "", i + 1, cases[i].name);
		bad += fail;
	}
	return bad ? 1 : 0;
}

#define TAP_CASE(f) {#f, f}
#define TAP_MAIN(...)                                                        \
	int main(void)                                                       \
	{                                                                    \
		static const tap_case cases_[] = {__VA_ARGS__};              \
		return tap_run(cases_, (int)(sizeof cases_ / sizeof cases_[0])); \
	}

#endif
