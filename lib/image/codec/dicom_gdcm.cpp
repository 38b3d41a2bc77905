// dicom_gdcm.cpp - GDCM behind dicom_shim.h.  Everything runs inside
// try/catch so that no exception reaches C; GDCM's warnings are switched
// off (they would go to stderr).
#include "image/codec/dicom_shim.h"

#include <gdcmAttribute.h>
#include <gdcmImageChangePhotometricInterpretation.h>
#include <gdcmImageChangePlanarConfiguration.h>
#include <gdcmImageChangeTransferSyntax.h>
#include <gdcmImageReader.h>
#include <gdcmReader.h>
#include <gdcmStringFilter.h>
#include <gdcmTrace.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

namespace {

// GDCM's bundled JPEG codecs print some messages ("Unsupported JPEG data
// precision 12", as they try the 8-bit then the 12-bit decoder) straight to
// stderr, past gdcm::Trace.  While GDCM decodes, fd 2 points at /dev/null.
class QuietStderr {
public:
	QuietStderr()
	{
		std::fflush(stderr);
		saved_ = dup(2);
		int null = open("/dev/null", O_WRONLY);
		if (saved_ >= 0 && null >= 0)
			dup2(null, 2);
		if (null >= 0)
			close(null);
	}
	~QuietStderr()
	{
		if (saved_ >= 0) {
			dup2(saved_, 2);
			close(saved_);
		}
	}
	QuietStderr(const QuietStderr &) = delete;
	QuietStderr &operator=(const QuietStderr &) = delete;

private:
	int saved_;
};

void put(char *dst, size_t n, const std::string &s)
{
	size_t k = s.size();
	while (k && (s[k - 1] == ' ' || s[k - 1] == '\0'))
		k--; // DICOM pads strings to even length
	if (k >= n)
		k = n - 1;
	std::memcpy(dst, s.data(), k);
	dst[k] = '\0';
}

std::string tag_string(const gdcm::File &f, uint16_t g, uint16_t e)
{
	gdcm::StringFilter sf;
	sf.SetFile(f);
	const gdcm::DataSet &ds = f.GetDataSet();
	gdcm::Tag t(g, e);
	if (!ds.FindDataElement(t))
		return std::string();
	return sf.ToString(t);
}

int scalar_of(const gdcm::PixelFormat &pf)
{
	switch (pf.GetScalarType()) {
	case gdcm::PixelFormat::UINT8: return DH_DCM_U8;
	case gdcm::PixelFormat::INT8: return DH_DCM_I8;
	case gdcm::PixelFormat::UINT12:
	case gdcm::PixelFormat::UINT16: return DH_DCM_U16;
	case gdcm::PixelFormat::INT12:
	case gdcm::PixelFormat::INT16: return DH_DCM_I16;
	case gdcm::PixelFormat::UINT32: return DH_DCM_U32;
	case gdcm::PixelFormat::INT32: return DH_DCM_I32;
	case gdcm::PixelFormat::FLOAT32: return DH_DCM_F32;
	case gdcm::PixelFormat::FLOAT64: return DH_DCM_F64;
	default: return -1;
	}
}

} // namespace

extern "C" int dh_dicom_read(const char *path, int pixels, uint64_t max_pixels,
			     dh_dicom_info *info, void **buf, size_t *nbytes,
			     char *err, size_t errlen)
{
	*buf = nullptr;
	*nbytes = 0;
	std::memset(info, 0, sizeof *info);
	try {
		QuietStderr quiet;
		gdcm::Trace::WarningOff();
		gdcm::Trace::ErrorOff();
		gdcm::Trace::DebugOff();
		// whatever GDCM still has to say goes nowhere
		static thread_local std::ostringstream sink;
		sink.str(std::string());
		gdcm::Trace::SetStream(sink);
		{
			// GDCM 3.0.21 asserts (aborts the process) on an RT Dose
			// with a frame offset vector but no Number of Frames:
			// look before letting ImageReader at it
			gdcm::Reader pre;
			pre.SetFileName(path);
			if (!pre.Read()) {
				std::snprintf(err, errlen, "not a DICOM file GDCM can read");
				return -1;
			}
			const gdcm::DataSet &ds = pre.GetFile().GetDataSet();
			if (ds.FindDataElement(gdcm::Tag(0x3004, 0x000c)) &&
			    !ds.FindDataElement(gdcm::Tag(0x0028, 0x0008))) {
				std::snprintf(err, errlen, "RT Dose without Number of "
					      "Frames (0028,0008): GDCM cannot read it");
				return -1;
			}
		}
		gdcm::ImageReader r;
		r.SetFileName(path);
		if (!r.Read()) {
			std::snprintf(err, errlen, "not a DICOM image GDCM can read");
			return -1;
		}
		const gdcm::Image *img = &r.GetImage();
		const unsigned *d = img->GetDimensions();
		unsigned nd = img->GetNumberOfDimensions();
		info->width = d[0];
		info->height = d[1];
		info->frames = nd > 2 ? d[2] : 1;
		if (!info->width || !info->height || !info->frames) {
			std::snprintf(err, errlen, "zero image size");
			return -1;
		}
		const gdcm::PixelFormat &pf = img->GetPixelFormat();
		info->samples = pf.GetSamplesPerPixel();
		info->scalar = scalar_of(pf);
		info->bits_stored = pf.GetBitsStored();
		if (info->scalar < 0 || (info->samples != 1 && info->samples != 3)) {
			std::snprintf(err, errlen, "unsupported pixel format (%d "
				      "samples of %d bits)", info->samples,
				      (int)pf.GetBitsAllocated());
			return -1;
		}
		info->slope = img->GetSlope();
		info->intercept = img->GetIntercept();
		const double *sp = img->GetSpacing();
		const double *org = img->GetOrigin();
		const double *dc = img->GetDirectionCosines();
		for (int i = 0; i < 3; i++) {
			info->spacing[i] = sp[i] > 0 ? sp[i] : 1.0;
			info->origin[i] = org[i];
		}
		// row and column directions; the normal is their cross product
		double rx = dc[0], ry = dc[1], rz = dc[2], cx = dc[3], cy = dc[4], cz = dc[5];
		double dir[9] = {rx, cx, ry * cz - rz * cy, ry, cy, rz * cx - rx * cz,
				 rz, cz, rx * cy - ry * cx};
		std::memcpy(info->direction, dir, sizeof dir);
		put(info->photometric, sizeof info->photometric,
		    img->GetPhotometricInterpretation().GetString());
		const gdcm::File &file = r.GetFile();
		const gdcm::TransferSyntax &ts =
			file.GetHeader().GetDataSetTransferSyntax();
		put(info->transfer_syntax, sizeof info->transfer_syntax,
		    gdcm::TransferSyntax::GetTSString(ts));
		put(info->modality, sizeof info->modality, tag_string(file, 0x0008, 0x0060));
		put(info->sop_class, sizeof info->sop_class, tag_string(file, 0x0008, 0x0016));
		std::string wc = tag_string(file, 0x0028, 0x1050);
		std::string ww = tag_string(file, 0x0028, 0x1051);
		if (!wc.empty() && !ww.empty()) {
			// multi-valued: the first value
			info->window_centre = std::strtod(wc.c_str(), nullptr);
			info->window_width = std::strtod(ww.c_str(), nullptr);
		}
		uint64_t px = (uint64_t)info->width * info->height * info->frames;
		if (!pixels)
			return 0;
		if (px > max_pixels) {
			std::snprintf(err, errlen, "image of %ux%ux%u pixels is over "
				      "the limit of %llu pixels (a decompression "
				      "bomb?)", info->width, info->height,
				      info->frames, (unsigned long long)max_pixels);
			return -1;
		}
		std::string pi = info->photometric;
		// GDCM pads short uncompressed pixel data with zeros: refuse it
		// (subsampled YBR_*_422/420 hold fewer bytes than pixels * samples)
		if (!ts.IsEncapsulated() && pi.find("_42") == std::string::npos) {
			const gdcm::DataSet &ds = file.GetDataSet();
			gdcm::Tag pd(0x7fe0, 0x0010);
			const gdcm::ByteValue *bv = ds.FindDataElement(pd)
				? ds.GetDataElement(pd).GetByteValue() : nullptr;
			uint64_t need = px * (uint64_t)pf.GetPixelSize();
			if (!bv || (uint64_t)bv->GetLength() < need) {
				std::snprintf(err, errlen, "truncated pixel data "
					      "(%llu of %llu bytes)",
					      bv ? (unsigned long long)bv->GetLength() : 0ULL,
					      (unsigned long long)need);
				return -1;
			}
		}
		// colour held as YCbCr (JPEG-compressed ones especially): to raw,
		// then to RGB, the chain GDCM supports
		gdcm::ImageChangeTransferSyntax raw;
		gdcm::ImageChangePhotometricInterpretation rgb;
		if (info->samples == 3 && pi.compare(0, 3, "YBR") == 0) {
			raw.SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
			raw.SetInput(*img);
			if (!raw.Change()) {
				std::snprintf(err, errlen, "cannot decompress %s",
					      info->transfer_syntax);
				return -1;
			}
			rgb.SetPhotometricInterpretation(gdcm::PhotometricInterpretation::RGB);
			rgb.SetInput(raw.GetOutput());
			if (!rgb.Change()) {
				std::snprintf(err, errlen, "cannot convert %s to RGB",
					      info->photometric);
				return -1;
			}
			img = &rgb.GetOutput();
		} else if (pi == "PALETTE COLOR") {
			std::snprintf(err, errlen, "palette colour DICOM is not supported");
			return -1;
		}
		// colour planes (R..., G..., B...) to interleaved samples
		gdcm::ImageChangePlanarConfiguration planar;
		if (info->samples == 3 && img->GetPlanarConfiguration() != 0) {
			planar.SetPlanarConfiguration(0);
			planar.SetInput(*img);
			if (!planar.Change()) {
				std::snprintf(err, errlen, "cannot interleave the "
					      "colour planes");
				return -1;
			}
			img = &planar.GetOutput();
		}
		size_t n = img->GetBufferLength();
		static const int size_of[] = {1, 1, 2, 2, 4, 4, 4, 8};
		size_t want = (size_t)px * (size_t)info->samples * (size_t)size_of[info->scalar];
		if (n != want) {
			std::snprintf(err, errlen, "pixel data of %zu bytes, %zu "
				      "expected", n, want);
			return -1;
		}
		void *p = std::malloc(n ? n : 1);
		if (!p) {
			std::snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (!img->GetBuffer(static_cast<char *>(p))) {
			std::free(p);
			std::snprintf(err, errlen, "cannot decode the pixel data "
				      "(%s)", info->transfer_syntax);
			return -1;
		}
		*buf = p;
		*nbytes = n;
		return 0;
	} catch (const std::exception &ex) {
		std::snprintf(err, errlen, "GDCM: %s", ex.what());
	} catch (...) {
		std::snprintf(err, errlen, "GDCM failed");
	}
	std::free(*buf);
	*buf = nullptr;
	return -1;
}
