/* test_core.c - errors, dtypes, tensors, RNG, threads, progress, atomic
 * files. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/atomicfile.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "core/threads.h"
#include "tap.h"

TEST(error_messages)
{
	dh_err e;
	dh_err_clear(&e);
	CHECK_INT(e.status, DH_OK);
	CHECK_INT(dh_err_set(&e, DH_EFORMAT, "bad %s at %d", "thing", 3),
		  DH_EFORMAT);
	CHECK_STR(e.msg, "bad thing at 3");
	dh_err_prefix(&e, "%s:%d:%d", "data.yml", 12, 5);
	CHECK_STR(e.msg, "data.yml:12:5: bad thing at 3");
	CHECK_INT(dh_err_errno(&e, ENOENT, "cannot open '%s'", "x"), DH_EIO);
	CHECK_STR(e.msg, "cannot open 'x': No such file or directory");
	CHECK_INT(dh_err_errno(&e, ENOMEM, "alloc"), DH_ENOMEM);
	CHECK_STR(dh_status_name(DH_ESHAPE), "shape");
	CHECK_STR(dh_status_name((dh_status)99), "unknown");
	/* a NULL context still returns the status */
	CHECK_INT(dh_err_set(NULL, DH_EINVAL, "x"), DH_EINVAL);
}

TEST(dtype_table)
{
	CHECK_INT(dh_dtype_size(DH_F32), 4);
	CHECK_INT(dh_dtype_size(DH_F16), 2);
	CHECK_INT(dh_dtype_size(DH_I64), 8);
	CHECK_INT(dh_dtype_size(DH_BOOL), 1);
	CHECK_STR(dh_dtype_name(DH_U16), "uint16");
	CHECK_STR(dh_dtype_npy_descr(DH_I8), "|i1");
	dh_dtype t;
	CHECK_INT(dh_dtype_parse("int32", &t), 0);
	CHECK_INT(t, DH_I32);
	CHECK_INT(dh_dtype_parse("complex64", &t), -1);
	for (int i = 0; i < DH_DTYPE_COUNT; i++) {
		CHECK(dh_dtype_size((dh_dtype)i) > 0);
		CHECK_INT(dh_dtype_parse(dh_dtype_name((dh_dtype)i), &t), 0);
		CHECK_INT(t, i);
	}
}

TEST(float16_known_values)
{
	CHECK_INT(dh_f32_to_f16(1.0f), 0x3c00);
	CHECK_INT(dh_f32_to_f16(-2.0f), 0xc000);
	CHECK_INT(dh_f32_to_f16(65504.0f), 0x7bff);
	CHECK_INT(dh_f32_to_f16(65520.0f), 0x7c00); /* rounds to inf */
	CHECK_INT(dh_f32_to_f16(0x1p-24f), 0x0001);  /* smallest subnormal */
	CHECK_INT(dh_f32_to_f16(0x1p-25f), 0x0000);  /* ties to even: 0 */
	CHECK_INT(dh_f32_to_f16(0x1.8p-25f), 0x0001);
	CHECK_INT(dh_f32_to_f16(1.0f + 0x1p-11f), 0x3c00); /* tie, even */
	CHECK_INT(dh_f32_to_f16(1.0f + 0x1.8p-11f), 0x3c01);
	CHECK_INT(dh_f32_to_f16(1.0f + 0x1.8p-10f), 0x3c02); /* tie, even */
	CHECK_INT(dh_f32_to_f16(INFINITY), 0x7c00);
	CHECK((dh_f32_to_f16(NAN) & 0x7c00) == 0x7c00 &&
	      (dh_f32_to_f16(NAN) & 0x3ff));
	CHECK_NEAR(dh_f16_to_f32(0x3555), 0.333251953125, 0);
	CHECK_NEAR(dh_f16_to_f32(0x0001), 0x1p-24, 0);
	CHECK(isinf(dh_f16_to_f32(0xfc00)) && dh_f16_to_f32(0xfc00) < 0);
}

TEST(float16_roundtrip_all)
{
	int bad = 0;
	for (unsigned h = 0; h < 65536; h++) {
		float f = dh_f16_to_f32((uint16_t)h);
		if (isnan(f))
			continue;
		if (dh_f32_to_f16(f) != h && bad++ < 3)
			printf("#   half 0x%04x -> %g -> 0x%04x\n", h, f,
			       dh_f32_to_f16(f));
	}
	CHECK_INT(bad, 0);
}

TEST(dtype_put_saturates)
{
	uint8_t u8[3];
	dh_dtype_put(DH_U8, u8, 0, 300.0);
	dh_dtype_put(DH_U8, u8, 1, -5.0);
	dh_dtype_put(DH_U8, u8, 2, NAN);
	CHECK_INT(u8[0], 255);
	CHECK_INT(u8[1], 0);
	CHECK_INT(u8[2], 0);
	int64_t i64;
	dh_dtype_put(DH_I64, &i64, 0, 1e30);
	CHECK(i64 > 0);
}

TEST(tensor_new_is_aligned_and_zeroed)
{
	dh_err e;
	int64_t shape[] = {3, 5, 7};
	dh_tensor *t = dh_tensor_new(DH_F32, 3, shape, &e);
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_INT((uintptr_t)t->data % 64, 0);
	CHECK_INT(dh_tensor_numel(t), 105);
	CHECK_INT(dh_tensor_nbytes(t), 420);
	CHECK_INT(t->strides[0], 35);
	CHECK_INT(t->strides[1], 7);
	CHECK_INT(t->strides[2], 1);
	float *p = t->data;
	int nonzero = 0;
	for (int i = 0; i < 105; i++)
		nonzero += p[i] != 0;
	CHECK_INT(nonzero, 0);
	dh_tensor_free(t);
}

TEST(tensor_bad_shapes)
{
	dh_err e;
	int64_t neg[] = {2, -1};
	CHECK(dh_tensor_new(DH_F32, 2, neg, &e) == NULL);
	CHECK_INT(e.status, DH_ESHAPE);
	CHECK_HAS(e.msg, "[2, -1]");
	int64_t huge[] = {INT64_MAX / 2, 4};
	CHECK(dh_tensor_new(DH_F32, 2, huge, &e) == NULL);
	CHECK_INT(e.status, DH_ESHAPE);
	int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
	CHECK(dh_tensor_new(DH_U8, 9, nine, &e) == NULL);
	CHECK_HAS(e.msg, "at most 8");
	/* a zero dimension must not hide overflowing strides (found by fuzzing) */
	int64_t zbig[] = {0, INT64_MAX / 4, 16};
	CHECK(dh_tensor_new(DH_F32, 3, zbig, &e) == NULL);
	/* zero-sized tensors are fine */
	int64_t zero[] = {0, 3};
	dh_tensor *z = dh_tensor_new(DH_F32, 2, zero, &e);
	CHECK(z != NULL);
	CHECK_INT(dh_tensor_numel(z), 0);
	dh_tensor_free(z);
}

TEST(tensor_views_share_storage)
{
	dh_err e;
	int64_t shape[] = {4, 3};
	dh_tensor *t = dh_tensor_new(DH_I32, 2, shape, &e);
	int32_t *p = t->data;
	for (int i = 0; i < 12; i++)
		p[i] = i;
	dh_tensor *rows = dh_tensor_slice0(t, 1, 2, &e);
	CHECK(rows != NULL);
	CHECK_INT(rows->shape[0], 2);
	CHECK_INT(((int32_t *)rows->data)[0], 3);
	int64_t flat[] = {6};
	dh_tensor *v = dh_tensor_view(rows, 1, flat, 0, &e);
	CHECK(v != NULL);
	CHECK_INT(t->buf->refs, 3);
	/* the original goes first; views keep the storage alive */
	dh_tensor_free(t);
	dh_tensor_free(rows);
	CHECK_INT(((int32_t *)v->data)[5], 8);
	dh_tensor_free(v);

	t = dh_tensor_new(DH_I32, 2, shape, &e);
	CHECK(dh_tensor_slice0(t, 3, 2, &e) == NULL);
	CHECK_INT(e.status, DH_ESHAPE);
	int64_t big[] = {13};
	CHECK(dh_tensor_view(t, 1, big, 0, &e) == NULL);
	CHECK(dh_tensor_view(t, 1, flat, 7, &e) == NULL);
	CHECK_HAS(e.msg, "outside");
	dh_tensor_free(t);
}

TEST(tensor_reshape_clone_convert)
{
	dh_err e;
	int64_t shape[] = {2, 3};
	dh_tensor *t = dh_tensor_new(DH_F32, 2, shape, &e);
	float *p = t->data;
	for (int i = 0; i < 6; i++)
		p[i] = (float)i * 100.0f - 50.0f;
	int64_t r[] = {3, 2};
	CHECK_INT(dh_tensor_reshape(t, 2, r, &e), DH_OK);
	CHECK_INT(t->shape[0], 3);
	int64_t bad[] = {4, 2};
	CHECK_INT(dh_tensor_reshape(t, 2, bad, &e), DH_ESHAPE);
	CHECK_HAS(e.msg, "cannot reshape [3, 2] to [4, 2]");
	dh_tensor_set_name(t, "conv1.weight", &e);
	dh_tensor *c = dh_tensor_clone(t, &e);
	CHECK_STR(c->name, "conv1.weight");
	CHECK(c->data != t->data);
	CHECK_NEAR(((float *)c->data)[5], 450, 0);
	dh_tensor *u = dh_tensor_new(DH_U8, 2, r, &e);
	CHECK_INT(dh_tensor_convert(u, t, &e), DH_OK);
	uint8_t *q = u->data;
	CHECK_INT(q[0], 0);   /* -50 saturates */
	CHECK_INT(q[1], 50);
	CHECK_INT(q[3], 250);
	CHECK_INT(q[4], 255); /* 350 saturates */
	dh_tensor *h = dh_tensor_new(DH_F16, 2, r, &e);
	CHECK_INT(dh_tensor_convert(h, t, &e), DH_OK);
	CHECK_INT(((uint16_t *)h->data)[2], dh_f32_to_f16(150.0f));
	dh_tensor_fill(h, 1.0);
	CHECK_INT(((uint16_t *)h->data)[5], 0x3c00);
	dh_tensor_free(h);
	dh_tensor_free(u);
	dh_tensor_free(c);
	dh_tensor_free(t);
}

TEST(tensor_wrap_borrows)
{
	dh_err e;
	float data[4] = {1, 2, 3, 4};
	int64_t shape[] = {2, 2};
	dh_tensor *t = dh_tensor_wrap(DH_F32, 2, shape, data, &e);
	CHECK(t->data == data);
	dh_tensor_free(t); /* must not free `data` (ASan would complain) */
	CHECK_NEAR(data[3], 4, 0);
}

TEST(alloc_overflow)
{
	dh_err e;
	CHECK(dh_calloc_aligned(SIZE_MAX / 2, 4, &e) == NULL);
	CHECK_INT(e.status, DH_ENOMEM);
	void *p = dh_alloc_aligned(0, &e);
	CHECK(p != NULL);
	dh_free_aligned(p);
}

TEST(rng_is_reproducible)
{
	dh_rng a, b;
	dh_rng_seed(&a, 42);
	dh_rng_seed(&b, 42);
	int same = 1;
	for (int i = 0; i < 1000; i++)
		same &= dh_rng_u64(&a) == dh_rng_u64(&b);
	CHECK(same);
	dh_rng_seed(&b, 43);
	CHECK(dh_rng_u64(&a) != dh_rng_u64(&b));
}

TEST(rng_derive_ignores_order)
{
	/* (seed, epoch, index) streams do not depend on what ran before */
	dh_rng r1, r2, other;
	dh_rng_derive(&r1, 7, 2, 1000);
	uint64_t first = dh_rng_u64(&r1);
	dh_rng_derive(&other, 7, 2, 999);
	for (int i = 0; i < 10; i++)
		dh_rng_u64(&other);
	dh_rng_derive(&r2, 7, 2, 1000);
	CHECK(dh_rng_u64(&r2) == first);
	dh_rng_derive(&r2, 7, 3, 1000);
	CHECK(dh_rng_u64(&r2) != first);
	dh_rng child1, child2;
	dh_rng_split(&child1, &r1, 5);
	dh_rng_split(&child2, &r1, 6);
	CHECK(dh_rng_u64(&child1) != dh_rng_u64(&child2));
}

TEST(rng_distributions)
{
	dh_rng r;
	dh_rng_seed(&r, 1);
	int counts[10] = {0};
	double sum = 0, sumsq = 0;
	const int n = 200000;
	for (int i = 0; i < n; i++) {
		uint64_t k = dh_rng_below(&r, 10);
		if (k < 10)
			counts[k]++;
		float f = dh_rng_float(&r);
		CHECK(f >= 0 && f < 1);
		double z = dh_rng_normal(&r, 0, 1);
		sum += z;
		sumsq += z * z;
	}
	/* each bin holds 20000 +- 5 sigma (sigma ~ 134) */
	for (int k = 0; k < 10; k++)
		CHECK_NEAR(counts[k], n / 10, 700);
	CHECK_NEAR(sum / n, 0, 0.015);
	CHECK_NEAR(sumsq / n, 1, 0.02);
	float u = dh_rng_uniform(&r, -3, -1);
	CHECK(u >= -3 && u < -1);
}

TEST(rng_shuffle_is_permutation)
{
	dh_rng r;
	dh_rng_seed(&r, 3);
	int64_t idx[100];
	for (int i = 0; i < 100; i++)
		idx[i] = i;
	dh_rng_shuffle(&r, idx, 100);
	int seen[100] = {0}, moved = 0;
	for (int i = 0; i < 100; i++) {
		seen[idx[i]]++;
		moved += idx[i] != i;
	}
	for (int i = 0; i < 100; i++)
		CHECK_INT(seen[i], 1);
	CHECK(moved > 80);
}

TEST(threads_resolution)
{
	dh_err e;
	int n;
	CHECK_INT(dh_threads_resolve(3, &n, &e), DH_OK);
	CHECK_INT(n, 3);
	setenv("DH_NUM_THREADS", "2", 1);
	CHECK_INT(dh_threads_resolve(0, &n, &e), DH_OK);
	CHECK_INT(n, 2);
	setenv("DH_NUM_THREADS", "two", 1);
	CHECK_INT(dh_threads_resolve(0, &n, &e), DH_ERANGE);
	CHECK_HAS(e.msg, "DH_NUM_THREADS='two'");
	setenv("DH_NUM_THREADS", "0", 1);
	CHECK_INT(dh_threads_resolve(0, &n, &e), DH_ERANGE);
	unsetenv("DH_NUM_THREADS");
	CHECK_INT(dh_threads_resolve(0, &n, &e), DH_OK);
	CHECK_INT(n, dh_threads_available());
	CHECK_INT(dh_threads_resolve(100000, &n, &e), DH_ERANGE);
}

TEST(progress_format)
{
	dh_progress p;
	/* a file that is not a terminal: never drawn */
	FILE *f = tmpfile();
	dh_progress_init(&p, f, 1, "epoch 1", "img", 1000);
	CHECK_INT(p.enabled, 0);
	p.t_start = 100.0;
	p.done = 250;
	dh_progress_status(&p, "loss %.3f", 0.5);
	char line[256];
	dh_progress_format(&p, 110.0, line, sizeof line);
	CHECK_HAS(line, "epoch 1 [");
	CHECK_HAS(line, " 25% 250/1000 25.0 img/s ETA 0:30");
	CHECK_HAS(line, "loss 0.500");
	dh_progress_add(&p, 10);
	dh_progress_finish(&p);
	CHECK_INT(ftell(f), 0);
	fclose(f);
	dh_progress_init(&p, NULL, 1, NULL, NULL, 0);
	p.t_start = 0;
	p.done = 7;
	dh_progress_format(&p, 3725.0, line, sizeof line);
	CHECK_HAS(line, "7 0.0 it/s 1:02:05");
}

TEST(atomic_file)
{
	dh_err e;
	char dir[] = "/tmp/dh-test-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[64];
	snprintf(path, sizeof path, "%s/out.txt", dir);
	dh_atomic_file af;
	CHECK_INT(dh_atomic_open(&af, path, &e), DH_OK);
	fputs("hello", af.f);
	CHECK(access(path, F_OK) != 0); /* not there until commit */
	CHECK_INT(dh_atomic_commit(&af, &e), DH_OK);
	CHECK(access(path, F_OK) == 0);
	CHECK_INT(dh_atomic_open(&af, path, &e), DH_OK);
	fputs("half", af.f);
	dh_atomic_abort(&af);
	FILE *f = fopen(path, "r");
	char buf[16] = {0};
	CHECK(f && fgets(buf, sizeof buf, f));
	CHECK_STR(buf, "hello"); /* the old file survives an abort */
	if (f)
		fclose(f);
	CHECK_INT(dh_atomic_open(&af, dir, &e), DH_EIO);
	CHECK_HAS(e.msg, "Is a directory");
	char missing[96];
	snprintf(missing, sizeof missing, "%s/no/such/dir/x", dir);
	CHECK_INT(dh_atomic_open(&af, missing, &e), DH_EIO);
	CHECK_HAS(e.msg, "No such file or directory");
	unlink(path);
	/* nothing else may remain in the folder */
	CHECK_INT(rmdir(dir), 0);
}

TAP_MAIN(TAP_CASE(error_messages), TAP_CASE(dtype_table),
	 TAP_CASE(float16_known_values), TAP_CASE(float16_roundtrip_all),
	 TAP_CASE(dtype_put_saturates),
	 TAP_CASE(tensor_new_is_aligned_and_zeroed),
	 TAP_CASE(tensor_bad_shapes), TAP_CASE(tensor_views_share_storage),
	 TAP_CASE(tensor_reshape_clone_convert), TAP_CASE(tensor_wrap_borrows),
	 TAP_CASE(alloc_overflow), TAP_CASE(rng_is_reproducible),
	 TAP_CASE(rng_derive_ignores_order), TAP_CASE(rng_distributions),
	 TAP_CASE(rng_shuffle_is_permutation), TAP_CASE(threads_resolution),
	 TAP_CASE(progress_format), TAP_CASE(atomic_file))
