package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
)

// A photo taken on a phone carries where it was taken (EXIF GPS), the device,
// often the owner's name and a preview of the uncropped picture. None of that
// belongs in a care record, so it is removed before the file is stored.

// segment is one JPEG marker segment, data[start:end] including the 0xFF marker;
// for SOS it runs to the end of the entropy-coded data that follows.
type segment struct {
	marker     byte
	start, end int
}

func (s segment) payload(data []byte) []byte {
	if s.end-s.start < 4 {
		return nil
	}
	return data[s.start+4 : s.end]
}

// parseJPEG walks the marker segments from SOI to EOI. Whatever follows EOI
// (Samsung and others append data there) is not returned, so it is dropped.
func parseJPEG(data []byte) ([]segment, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errors.New("media: no JPEG SOI")
	}
	var segs []segment
	sawSOF, sawSOS := false, false
	i := 2
	for {
		if i >= len(data) {
			return nil, errors.New("media: JPEG ends before EOI")
		}
		if data[i] != 0xFF {
			return nil, fmt.Errorf("media: JPEG marker expected at %d", i)
		}
		for i < len(data) && data[i] == 0xFF { // fill bytes, dropped
			i++
		}
		if i >= len(data) {
			return nil, errors.New("media: JPEG ends before EOI")
		}
		start := i - 1
		m := data[i]
		i++
		switch {
		case m == 0xD9: // EOI
			if !sawSOF || !sawSOS {
				return nil, errors.New("media: JPEG without frame or scan")
			}
			return append(segs, segment{m, start, i}), nil
		case m == 0x00 || m == 0xD8:
			return nil, fmt.Errorf("media: JPEG marker %#x at %d", m, start)
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // standalone
			segs = append(segs, segment{m, start, i})
			continue
		}
		if i+2 > len(data) {
			return nil, errors.New("media: JPEG segment length cut off")
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || i+n > len(data) {
			return nil, fmt.Errorf("media: JPEG segment %#x of length %d overruns the file", m, n)
		}
		i += n
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			sawSOF = true
		}
		if m == 0xDA { // SOS: entropy-coded data up to the next real marker
			sawSOS = true
			for {
				j := bytes.IndexByte(data[i:], 0xFF)
				if j < 0 || i+j+1 >= len(data) {
					return nil, errors.New("media: JPEG scan ends before EOI")
				}
				i += j
				if b := data[i+1]; b == 0x00 || (b >= 0xD0 && b <= 0xD7) {
					i += 2 // stuffed byte or restart marker
					continue
				}
				if data[i+1] == 0xFF {
					i++
					continue
				}
				break
			}
		}
		segs = append(segs, segment{m, start, i})
	}
}

// keepJPEG decides which segments survive: the ones needed to decode and show
// the picture as taken (JFIF, the ICC colour profile, Adobe's colour transform)
// and none that describe it (EXIF, GPS, XMP, IPTC, comments, embedded previews).
func keepJPEG(data []byte, s segment) bool {
	p := s.payload(data)
	switch {
	case s.marker == 0xE0:
		return bytes.HasPrefix(p, []byte("JFIF\x00")) // not JFXX: it holds a thumbnail
	case s.marker == 0xE2:
		return bytes.HasPrefix(p, []byte("ICC_PROFILE\x00"))
	case s.marker == 0xEE:
		return bytes.HasPrefix(p, []byte("Adobe"))
	case s.marker >= 0xE0 && s.marker <= 0xEF, s.marker == 0xFE:
		return false
	}
	return true
}

// StripJPEGMetadata removes EXIF (with GPS), XMP, IPTC, comments, embedded
// thumbnails and anything after EOI from a JPEG by copying the segments it
// keeps, so the picture itself is not re-encoded and loses nothing.
//
// The EXIF orientation goes with the EXIF, so a photo that is not stored
// upright (orientation 2-8, as phones write when held sideways) is decoded,
// turned upright and re-encoded at high quality instead; its ICC profile is kept.
func StripJPEGMetadata(data []byte) ([]byte, error) {
	segs, err := parseJPEG(data)
	if err != nil {
		return nil, corrupt("画像ファイル", err)
	}
	out := make([]byte, 0, len(data))
	out = append(out, 0xFF, 0xD8)
	var icc [][]byte
	orientation := 0
	for _, s := range segs {
		if orientation == 0 && s.marker == 0xE1 {
			if p := s.payload(data); bytes.HasPrefix(p, []byte("Exif\x00\x00")) {
				orientation = exifOrientation(p[6:])
			}
		}
		if !keepJPEG(data, s) {
			continue
		}
		if s.marker == 0xE2 {
			icc = append(icc, data[s.start:s.end])
		}
		out = append(out, data[s.start:s.end]...)
	}
	if orientation <= 1 {
		return out, nil
	}
	if _, _, err := decodeConfig(out); err != nil {
		return nil, err
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		return nil, corrupt("画像ファイル", err)
	}
	upright := orient(img, orientation, true)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, upright, &jpeg.Options{Quality: 92}); err != nil {
		return nil, fmt.Errorf("media: re-encode rotated JPEG: %w", err)
	}
	enc := b.Bytes()
	if _, cmyk := img.(*image.CMYK); cmyk || len(icc) == 0 {
		return enc, nil // a CMYK profile would be wrong for the RGB we wrote
	}
	res := make([]byte, 0, len(enc)+len(icc)*600)
	res = append(res, enc[:2]...)
	for _, seg := range icc {
		res = append(res, seg...)
	}
	return append(res, enc[2:]...), nil
}

// exifOrientation reads tag 0x0112 of IFD0 from a TIFF-structured EXIF block;
// 1 (as stored) when absent or unreadable.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(tiff[2:]) != 42 {
		return 1
	}
	off := uint64(bo.Uint32(tiff[4:]))
	if off+2 > uint64(len(tiff)) {
		return 1
	}
	n := uint64(bo.Uint16(tiff[off:]))
	for k := uint64(0); k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > uint64(len(tiff)) {
			break
		}
		if bo.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		if bo.Uint16(tiff[e+2:]) != 3 { // SHORT
			return 1
		}
		if v := int(bo.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

type chunk struct {
	typ        string
	start, end int // data[start:end] is length, type, data and CRC
}

func (c chunk) body(data []byte) []byte { return data[c.start+8 : c.end-4] }

// parsePNG walks the chunks from the signature to IEND, checking every CRC.
// Whatever follows IEND is not returned, so it is dropped.
func parsePNG(data []byte) ([]chunk, error) {
	if !bytes.HasPrefix(data, pngSignature) {
		return nil, errors.New("media: no PNG signature")
	}
	var chunks []chunk
	i := len(pngSignature)
	for {
		if i+12 > len(data) {
			return nil, errors.New("media: PNG ends before IEND")
		}
		n := uint64(binary.BigEndian.Uint32(data[i:]))
		if n > 1<<31-1 || uint64(i)+12+n > uint64(len(data)) {
			return nil, fmt.Errorf("media: PNG chunk of length %d overruns the file", n)
		}
		end := i + 12 + int(n)
		c := chunk{string(data[i+4 : i+8]), i, end}
		if crc32.ChecksumIEEE(data[i+4:end-4]) != binary.BigEndian.Uint32(data[end-4:]) {
			return nil, fmt.Errorf("media: PNG chunk %q has a bad CRC", c.typ)
		}
		if len(chunks) == 0 && c.typ != "IHDR" {
			return nil, errors.New("media: PNG does not start with IHDR")
		}
		chunks = append(chunks, c)
		if c.typ == "IEND" {
			return chunks, nil
		}
		i = end
	}
}

// pngKeep lists the ancillary chunks needed to show the picture right
// (transparency, colour, gamma, pixel size, animation); text, time, EXIF and
// private chunks (Apple's iDOT, C2PA manifests, ...) go.
var pngKeep = map[string]bool{
	"tRNS": true, "cHRM": true, "gAMA": true, "iCCP": true, "sBIT": true, "sRGB": true,
	"cICP": true, "mDCV": true, "cLLI": true, "bKGD": true, "hIST": true, "pHYs": true,
	"sPLT": true, "acTL": true, "fcTL": true, "fdAT": true,
}

// StripPNGMetadata removes text (tEXt, iTXt, zTXt), EXIF (eXIf), time and
// private ancillary chunks and anything after IEND, copying the image data
// as it is. A PNG whose eXIf says it is not upright is turned upright and
// re-encoded instead, as for JPEG.
func StripPNGMetadata(data []byte) ([]byte, error) {
	chunks, err := parsePNG(data)
	if err != nil {
		return nil, corrupt("画像ファイル", err)
	}
	out := make([]byte, 0, len(data))
	out = append(out, pngSignature...)
	orientation := 1
	for _, c := range chunks {
		if c.typ == "eXIf" {
			orientation = exifOrientation(c.body(data))
		}
		critical := c.typ[0]&0x20 == 0
		if critical || pngKeep[c.typ] {
			out = append(out, data[c.start:c.end]...)
		}
	}
	if orientation <= 1 {
		return out, nil
	}
	if _, _, err := decodeConfig(out); err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		return nil, corrupt("画像ファイル", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, orient(img, orientation, false)); err != nil {
		return nil, fmt.Errorf("media: re-encode rotated PNG: %w", err)
	}
	return b.Bytes(), nil
}

// imageOrientation returns the EXIF orientation of a JPEG or PNG (1 if none).
func imageOrientation(k Kind, data []byte) int {
	switch k {
	case JPEG:
		segs, err := parseJPEG(data)
		if err != nil {
			return 1
		}
		for _, s := range segs {
			if p := s.payload(data); s.marker == 0xE1 && bytes.HasPrefix(p, []byte("Exif\x00\x00")) {
				return exifOrientation(p[6:])
			}
		}
	case PNG:
		chunks, err := parsePNG(data)
		if err != nil {
			return 1
		}
		for _, c := range chunks {
			if c.typ == "eXIf" {
				return exifOrientation(c.body(data))
			}
		}
	}
	return 1
}
