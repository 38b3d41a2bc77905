/* test_cli.c - option value parsing, suggestions and input checks. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/inputs.h"
#include "cli/opt.h"
#include "image/probe.h"
#include "tap.h"

TEST(numbers_are_strict)
{
	long long i;
	double d;
	CHECK_INT(dh_parse_ll("42", &i), 0);
	CHECK_INT(i, 42);
	CHECK_INT(dh_parse_ll("-7", &i), 0);
	CHECK_INT(dh_parse_ll("4x", &i), -1);
	CHECK_INT(dh_parse_ll("", &i), -1);
	CHECK_INT(dh_parse_ll("99999999999999999999", &i), -1);
	CHECK_INT(dh_parse_double("1e-3", &d), 0);
	CHECK_NEAR(d, 0.001, 1e-15);
	CHECK_INT(dh_parse_double("nan", &d), -1);
	CHECK_INT(dh_parse_double("1e999", &d), -1);
	CHECK_INT(dh_parse_double("0.5.", &d), -1);
}

TEST(option_values)
{
	dh_err e;
	dh_optval v = {0};
	dh_opt epochs = {"epochs", 'e', DH_ARG_INT, "N", "", 1, 100, NULL, 0};
	CHECK_INT(dh_opt_parse_value(&epochs, "5", &v, &e), DH_OK);
	CHECK_INT(v.i, 5);
	CHECK_INT(dh_opt_parse_value(&epochs, "0", &v, &e), DH_ERANGE);
	CHECK_STR(e.msg, "option '--epochs' must be between 1 and 100, not 0");
	CHECK_INT(dh_opt_parse_value(&epochs, "five", &v, &e), DH_EINVAL);
	CHECK_STR(e.msg, "option '--epochs' wants an integer, not 'five'");
	dh_opt opt = {"optimizer", 0, DH_ARG_CHOICE, NULL, "", 0, 0, "sgd|adam", 0};
	CHECK_INT(dh_opt_parse_value(&opt, "adam", &v, &e), DH_OK);
	CHECK_INT(dh_opt_parse_value(&opt, "ada", &v, &e), DH_EINVAL);
	CHECK_HAS(e.msg, "must be one of sgd|adam, not 'ada'");
	dh_opt lr = {"lr", 0, DH_ARG_FLOAT, "R", "", 0, 10, NULL, 0};
	CHECK_INT(dh_opt_parse_value(&lr, "0.01", &v, &e), DH_OK);
	CHECK_NEAR(v.f, 0.01, 0);
	CHECK_INT(dh_opt_parse_value(&lr, "-1", &v, &e), DH_ERANGE);
}

TEST(edit_distance)
{
	CHECK_INT(dh_edit_distance("epochs", "epochs"), 0);
	CHECK_INT(dh_edit_distance("epoch", "epochs"), 1);
	CHECK_INT(dh_edit_distance("lable", "label"), 2);
	CHECK_INT(dh_edit_distance("", "abc"), 3);
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	fwrite(data, 1, n, f);
	fclose(f);
}

TEST(input_checks)
{
	dh_err e;
	char dir[] = "/tmp/dh-cli-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char p[128];
	CHECK_INT(dh_check_input("/nonexistent/x.onnx", "onnx", &e), DH_EIO);
	CHECK_STR(e.msg, "cannot open '/nonexistent/x.onnx': No such file or directory");
	CHECK_INT(dh_check_input(dir, "yml", &e), DH_EIO);
	CHECK_HAS(e.msg, "is a directory");
	snprintf(p, sizeof p, "%s/empty.yml", dir);
	write_file(p, "", 0);
	CHECK_INT(dh_check_input(p, "yml", &e), DH_EFORMAT);
	CHECK_HAS(e.msg, "is empty");
	snprintf(p, sizeof p, "%s/bad.yml", dir);
	write_file(p, "name: x\nimages: [a, b\nsplit: {}\n", 30);
	CHECK_INT(dh_check_input(p, "yml", &e), DH_EFORMAT);
	CHECK_HAS(e.msg, "bad.yml:3:");
	snprintf(p, sizeof p, "%s/ok.yml", dir);
	write_file(p, "name: x\nclasses: [a, b]\n", 24);
	CHECK_INT(dh_check_input(p, "yml", &e), DH_OK);
	/* a protobuf with a graph field (7, length 2) and ir_version (1) */
	snprintf(p, sizeof p, "%s/m.onnx", dir);
	write_file(p, "\x08\x07\x3a\x02\x0a\x00", 6);
	CHECK_INT(dh_check_input(p, "onnx", &e), DH_OK);
	write_file(p, "\x08\x07\x3a\x09\x0a\x00", 6);
	CHECK_INT(dh_check_input(p, "onnx", &e), DH_EFORMAT);
	CHECK_HAS(e.msg, "byte 2: not an ONNX model (field 7 runs past the end");
	write_file(p, "\x08\x07", 2);
	CHECK_INT(dh_check_input(p, "onnx", &e), DH_EFORMAT);
	CHECK_HAS(e.msg, "no graph");
	write_file(p, "\x0f\x07", 2);
	CHECK_INT(dh_check_input(p, "onnx", &e), DH_EFORMAT);
	CHECK_HAS(e.msg, "wire type 7");
	snprintf(p, sizeof p, "%s/a.txt", dir);
	write_file(p, "rotate angle=[-5,5]\n\xff", 21);
	CHECK_INT(dh_check_input(p, "aug", &e), DH_EFORMAT);
	CHECK_HAS(e.msg, "byte 20: binary data");
	write_file(p, "mirror p=0.5 # \xc3\xa9\n", 18);
	CHECK_INT(dh_check_input(p, "aug", &e), DH_OK);
	CHECK_INT(dh_check_input("whatever", "out", &e), DH_OK);
	CHECK_INT(dh_check_input("-", "npy", &e), DH_OK);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK_INT(system(cmd), 0);
}

TEST(image_sniffing)
{
	CHECK_INT(dh_image_sniff((const unsigned char *)"\x89PNG\r\n\x1a\n", 8), DH_IMG_PNG);
	CHECK_INT(dh_image_sniff((const unsigned char *)"\xff\xd8\xff\xe0", 4), DH_IMG_JPEG);
	CHECK_INT(dh_image_sniff((const unsigned char *)"II*\0", 4), DH_IMG_TIFF);
	CHECK_INT(dh_image_sniff((const unsigned char *)"P5\n2 2\n255\n", 11), DH_IMG_PNM);
	CHECK_INT(dh_image_sniff((const unsigned char *)"\x93NUMPY\x01\x00", 8), DH_IMG_NPY);
	CHECK_INT(dh_image_sniff((const unsigned char *)"GIF89a", 6), DH_IMG_UNKNOWN);
	unsigned char dcm[132] = {0};
	memcpy(dcm + 128, "DICM", 4);
	CHECK_INT(dh_image_sniff(dcm, sizeof dcm), DH_IMG_DICOM);
	CHECK_STR(dh_image_format_name(DH_IMG_TIFF), "tiff");
}

TAP_MAIN(TAP_CASE(numbers_are_strict), TAP_CASE(option_values),
	 TAP_CASE(edit_distance), TAP_CASE(input_checks),
	 TAP_CASE(image_sniffing))
