// dicom_gdcm.cpp - GDCM behind dicom_shim.h.  Everything runs inside
// try/catch so that no exception reaches C; GDCM's warnings are switched
// off (they would go to stderr).
#include "image/codec/dicom_shim.h"

#include <gdcmAttribute.h>
#include <gdcmImageChangePhotometricInterpretation.h>
#include <gdcmImageChangePlanarConfiguration.h>
#include <gdcmImageChangeTransferSyntax.h>
#include <gdcmImageReader.h>
#include <gdcmImageWriter.h>
#include <gdcmMediaStorage.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfFragments.h>
#include <gdcmStringFilter.h>
#include <gdcmTrace.h>
#include <gdcmUIDGenerator.h>

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

// RLE Lossless (PS3.5 annex G) for colour samples wider than a byte, which
// GDCM 3.0.21 reassembles in the wrong byte order: one fragment per frame,
// a 64-byte header (segment count, offsets), then PackBits segments, one
// per byte of each sample, most significant byte first.  The samples come
// out interleaved and little endian.  Returns false when the data is not
// laid out so.
bool decode_rle_wide(const gdcm::DataSet &ds, unsigned w, unsigned h,
		     unsigned frames, int samples, int bytes, unsigned char *out)
{
	gdcm::Tag pd(0x7fe0, 0x0010);
	if (!ds.FindDataElement(pd))
		return false;
	const gdcm::SequenceOfFragments *sf =
		ds.GetDataElement(pd).GetSequenceOfFragments();
	if (!sf || sf->GetNumberOfFragments() != frames)
		return false;
	const size_t npx = (size_t)w * h;
	const unsigned nseg = (unsigned)(samples * bytes);
	for (unsigned f = 0; f < frames; f++) {
		const gdcm::ByteValue *bv = sf->GetFragment(f).GetByteValue();
		if (!bv || bv->GetLength() < 64)
			return false;
		const unsigned char *p =
			reinterpret_cast<const unsigned char *>(bv->GetPointer());
		const size_t len = bv->GetLength();
		auto u32 = [p](size_t at) {
			return (size_t)p[at] | (size_t)p[at + 1] << 8 |
			       (size_t)p[at + 2] << 16 | (size_t)p[at + 3] << 24;
		};
		if (u32(0) != nseg)
			return false;
		unsigned char *frame = out + (size_t)f * npx * nseg;
		for (unsigned sg = 0; sg < nseg; sg++) {
			size_t at = u32(4 + 4 * sg);
			size_t end = sg + 1 < nseg ? u32(8 + 4 * sg) : len;
			if (at < 64 || end > len || at > end)
				return false;
			int c = (int)(sg / (unsigned)bytes), j = (int)(sg % (unsigned)bytes);
			size_t k = 0; // pixels decoded in this segment
			auto put = [&](unsigned char v) {
				if (k < npx)
					frame[(k * (size_t)samples + (size_t)c) * (size_t)bytes +
					      (size_t)(bytes - 1 - j)] = v;
				k++;
			};
			while (at < end && k < npx) {
				int n = (signed char)p[at++];
				if (n >= 0) {
					for (int i = 0; i <= n && at < end; i++)
						put(p[at++]);
				} else if (n != -128 && at < end) {
					unsigned char v = p[at++];
					for (int i = 0; i < 1 - n; i++)
						put(v);
				}
			}
			if (k < npx)
				return false;
		}
	}
	return true;
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
		// colour RLE of 16 or 32-bit samples: decoded here (see
		// decode_rle_wide)
		if (ts == gdcm::TransferSyntax::RLELossless && info->samples == 3 &&
		    pf.GetBitsAllocated() > 8 && pi == "RGB") {
			int bytes = pf.GetBitsAllocated() / 8;
			size_t n = (size_t)px * 3 * (size_t)bytes;
			unsigned char *p = static_cast<unsigned char *>(std::malloc(n));
			if (!p) {
				std::snprintf(err, errlen, "out of memory");
				return -1;
			}
			if (!decode_rle_wide(file.GetDataSet(), info->width,
					     info->height, info->frames, 3, bytes, p)) {
				std::free(p);
				std::snprintf(err, errlen, "bad RLE pixel data");
				return -1;
			}
			*buf = p;
			*nbytes = n;
			return 0;
		}
		// uncompressed YBR_FULL_422 (Y1 Y2 Cb Cr for each pair of pixels
		// of a row), which GDCM does not convert: upsample and convert
		// here, with PS3.3 C.7.6.3.1.2's YBR_FULL equations
		if (!ts.IsEncapsulated() && pi == "YBR_FULL_422" &&
		    info->samples == 3 && info->scalar == DH_DCM_U8 &&
		    info->width % 2 == 0) {
			const gdcm::DataSet &ds = file.GetDataSet();
			gdcm::Tag pd(0x7fe0, 0x0010);
			const gdcm::ByteValue *bv = ds.FindDataElement(pd)
				? ds.GetDataElement(pd).GetByteValue() : nullptr;
			uint64_t need = px * 2;
			if (!bv || (uint64_t)bv->GetLength() < need) {
				std::snprintf(err, errlen, "truncated pixel data "
					      "(%llu of %llu bytes)",
					      bv ? (unsigned long long)bv->GetLength() : 0ULL,
					      (unsigned long long)need);
				return -1;
			}
			const unsigned char *src =
				reinterpret_cast<const unsigned char *>(bv->GetPointer());
			unsigned char *p = static_cast<unsigned char *>(std::malloc(px * 3));
			if (!p) {
				std::snprintf(err, errlen, "out of memory");
				return -1;
			}
			for (uint64_t i = 0; i < px; i += 2) {
				const unsigned char *q = src + i * 2;
				double cb = q[2] - 128.0, cr = q[3] - 128.0;
				for (int k = 0; k < 2; k++) {
					double y = q[k];
					double rgb[3] = {y + 1.402 * cr,
							 y - 0.344136 * cb - 0.714136 * cr,
							 y + 1.772 * cb};
					for (int c = 0; c < 3; c++) {
						double v = rgb[c] < 0 ? 0 : rgb[c] > 255 ? 255 : rgb[c];
						p[(i + k) * 3 + c] = (unsigned char)(v + 0.5);
					}
				}
			}
			*buf = p;
			*nbytes = px * 3;
			return 0;
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
		// GDCM 3.0.21 swaps big-endian 32-bit samples as pairs of 16-bit
		// words (00 13 0e e8 comes out as 13 00 e8 0e): put the words in
		// their order (pydicom's rtdose_expb.dcm equals rtdose.dcm then)
		if (ts == gdcm::TransferSyntax::ExplicitVRBigEndian &&
		    pf.GetBitsAllocated() == 32) {
			unsigned char *q = static_cast<unsigned char *>(p);
			for (size_t i = 0; i + 4 <= n; i += 4) {
				unsigned char t0 = q[i], t1 = q[i + 1];
				q[i] = q[i + 2];
				q[i + 1] = q[i + 3];
				q[i + 2] = t0;
				q[i + 3] = t1;
			}
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

namespace {

// One string attribute, padded to even length as DICOM wants (UIDs with a
// NUL, text with a space); "" gives an empty (type 2) element.
void put_str(gdcm::DataSet &ds, uint16_t g, uint16_t e, gdcm::VR vr,
	     const std::string &v)
{
	gdcm::DataElement de(gdcm::Tag(g, e));
	de.SetVR(vr);
	std::string s = v;
	if (s.size() % 2)
		s += vr == gdcm::VR::UI ? '\0' : ' ';
	de.SetByteValue(s.data(), (uint32_t)s.size());
	ds.Replace(de);
}

} // namespace

extern "C" int dh_dicom_encode(const dh_dicom_wdesc *d, const void *pixels,
			       size_t nbytes, void **out, size_t *outn,
			       char *err, size_t errlen)
{
	*out = nullptr;
	*outn = 0;
	try {
		QuietStderr quiet;
		gdcm::Trace::WarningOff();
		gdcm::Trace::ErrorOff();
		gdcm::Trace::DebugOff();
		size_t want = (size_t)d->width * d->height * (size_t)d->samples *
			      (size_t)(d->bits / 8);
		if (nbytes != want || nbytes > 0xfffffff0u) {
			std::snprintf(err, errlen, "%zu bytes of pixels for a %ux%u "
				      "image (DICOM stops at 4 GiB)", nbytes,
				      d->width, d->height);
			return -1;
		}
		gdcm::ImageWriter w;
		gdcm::Image &im = w.GetImage();
		im.SetNumberOfDimensions(2);
		im.SetDimension(0, d->width);
		im.SetDimension(1, d->height);
		gdcm::PixelFormat pf((unsigned short)d->samples,
				     (unsigned short)d->bits, (unsigned short)d->bits,
				     (unsigned short)(d->bits - 1),
				     (unsigned short)(d->is_signed ? 1 : 0));
		im.SetPixelFormat(pf);
		im.SetPhotometricInterpretation(
			d->samples == 3 ? gdcm::PhotometricInterpretation::RGB
					: gdcm::PhotometricInterpretation::MONOCHROME2);
		if (d->samples == 3)
			im.SetPlanarConfiguration(0);
		im.SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
		if (d->has_spacing) {
			im.SetSpacing(0, d->spacing[0]);
			im.SetSpacing(1, d->spacing[1]);
		}
		if (d->rescale && d->samples == 1) {
			im.SetIntercept(d->intercept);
			im.SetSlope(d->slope);
		}
		gdcm::DataElement pd(gdcm::Tag(0x7fe0, 0x0010));
		pd.SetVR(d->bits == 8 ? gdcm::VR::OB : gdcm::VR::OW);
		pd.SetByteValue(static_cast<const char *>(pixels), (uint32_t)nbytes);
		im.SetDataElement(pd);

		gdcm::DataSet &ds = w.GetFile().GetDataSet();
		gdcm::MediaStorage ms(gdcm::MediaStorage::SecondaryCaptureImageStorage);
		gdcm::UIDGenerator uid;
		put_str(ds, 0x0008, 0x0016, gdcm::VR::UI, ms.GetString());
		put_str(ds, 0x0008, 0x0018, gdcm::VR::UI, uid.Generate());
		put_str(ds, 0x0020, 0x000d, gdcm::VR::UI, uid.Generate());
		put_str(ds, 0x0020, 0x000e, gdcm::VR::UI, uid.Generate());
		put_str(ds, 0x0008, 0x0060, gdcm::VR::CS, "OT");
		put_str(ds, 0x0008, 0x0064, gdcm::VR::CS, "WSD");
		// required (type 2) and present empty: no patient data
		static const struct { uint16_t g, e; gdcm::VR::VRType vr; } empty[] = {
			{0x0008, 0x0020, gdcm::VR::DA}, // Study Date
			{0x0008, 0x0030, gdcm::VR::TM}, // Study Time
			{0x0008, 0x0050, gdcm::VR::SH}, // Accession Number
			{0x0008, 0x0090, gdcm::VR::PN}, // Referring Physician
			{0x0010, 0x0010, gdcm::VR::PN}, // Patient's Name
			{0x0010, 0x0020, gdcm::VR::LO}, // Patient ID
			{0x0010, 0x0030, gdcm::VR::DA}, // Patient's Birth Date
			{0x0010, 0x0040, gdcm::VR::CS}, // Patient's Sex
			{0x0020, 0x0010, gdcm::VR::SH}, // Study ID
			{0x0020, 0x0011, gdcm::VR::IS}, // Series Number
			{0x0020, 0x0013, gdcm::VR::IS}, // Instance Number
			{0x0020, 0x0020, gdcm::VR::CS}, // Patient Orientation
			{0x0020, 0x0060, gdcm::VR::CS}, // Laterality
		};
		for (const auto &t : empty)
			put_str(ds, t.g, t.e, gdcm::VR(t.vr), "");
		std::ostringstream os;
		w.SetStream(os);
		if (!w.Write()) {
			std::snprintf(err, errlen, "GDCM could not encode the image");
			return -1;
		}
		const std::string bytes = os.str();
		void *p = std::malloc(bytes.size() ? bytes.size() : 1);
		if (!p) {
			std::snprintf(err, errlen, "out of memory");
			return -1;
		}
		std::memcpy(p, bytes.data(), bytes.size());
		*out = p;
		*outn = bytes.size();
		return 0;
	} catch (const std::exception &ex) {
		std::snprintf(err, errlen, "GDCM: %s", ex.what());
	} catch (...) {
		std::snprintf(err, errlen, "GDCM failed");
	}
	return -1;
}
