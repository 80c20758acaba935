package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// The test files are built here rather than kept in testdata, so that what
// each one contains (and where its GPS sits) is written down next to the test.

// quadrants is a w×h picture whose left half is red and right half blue, with
// a green top-left corner, so that a turn or a flip can be seen.
func quadrants(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0, 0, 255, 255}
			if x < w/2 {
				c = color.RGBA{255, 0, 0, 255}
			}
			if x < w/4 && y < h/4 {
				c = color.RGBA{0, 255, 0, 255}
			}
			m.Set(x, y, c)
		}
	}
	return m
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// secretPlace is written into the EXIF so the tests can look for it.
const secretPlace = "Sendai Aoba-ku 1-2-3 patient home"

// gpsLatitude is 38°15'30.00" N as three EXIF rationals, big-endian.
var gpsLatitude = []byte{
	0, 0, 0, 38, 0, 0, 0, 1,
	0, 0, 0, 15, 0, 0, 0, 1,
	0, 0, 0x0B, 0xB8, 0, 0, 0, 100,
}

// exifTIFF builds a big-endian TIFF block: IFD0 with ImageDescription,
// Orientation and a pointer to a GPS IFD holding latitude and longitude.
func exifTIFF(orientation uint16) []byte {
	var b []byte
	be := binary.BigEndian
	b = append(b, "MM"...)
	b = be.AppendUint16(b, 42)
	b = be.AppendUint32(b, 8)
	// IFD0 at 8: 3 entries (2 + 3*12 + 4 = 42 bytes), data after it.
	const ifd0 = 8
	descOff := uint32(ifd0 + 42)
	desc := append([]byte(secretPlace), 0)
	gpsOff := descOff + uint32(len(desc))
	entry := func(b []byte, tag, typ uint16, count, value uint32) []byte {
		b = be.AppendUint16(b, tag)
		b = be.AppendUint16(b, typ)
		b = be.AppendUint32(b, count)
		return be.AppendUint32(b, value)
	}
	b = be.AppendUint16(b, 3)
	b = entry(b, 0x010E, 2, uint32(len(desc)), descOff) // ImageDescription
	b = entry(b, 0x0112, 3, 1, uint32(orientation)<<16) // Orientation, SHORT left-justified
	b = entry(b, 0x8825, 4, 1, gpsOff)                  // GPSInfo IFD pointer
	b = be.AppendUint32(b, 0)                           // no IFD1
	b = append(b, desc...)
	// GPS IFD: 4 entries (2 + 48 + 4 = 54 bytes), then two rational triples.
	latOff := gpsOff + 54
	b = be.AppendUint16(b, 4)
	b = entry(b, 0x0001, 2, 2, uint32('N')<<24) // GPSLatitudeRef
	b = entry(b, 0x0002, 5, 3, latOff)          // GPSLatitude
	b = entry(b, 0x0003, 2, 2, uint32('E')<<24) // GPSLongitudeRef
	b = entry(b, 0x0004, 5, 3, latOff+24)       // GPSLongitude
	b = be.AppendUint32(b, 0)
	b = append(b, gpsLatitude...)
	b = append(b, 0, 0, 0, 140, 0, 0, 0, 1, 0, 0, 0, 52, 0, 0, 0, 1, 0, 0, 0x0F, 0xA0, 0, 0, 0, 100)
	return b
}

func jpegSegment(marker byte, payload []byte) []byte {
	s := []byte{0xFF, marker}
	s = binary.BigEndian.AppendUint16(s, uint16(len(payload)+2))
	return append(s, payload...)
}

// withSegments inserts segments right after SOI.
func withSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

func exifSegment(orientation uint16) []byte {
	return jpegSegment(0xE1, append([]byte("Exif\x00\x00"), exifTIFF(orientation)...))
}

var (
	xmpSegment = jpegSegment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><exif:GPSLatitude>38,15.5N</exif:GPSLatitude></x:xmpmeta>"))
	comSegment = jpegSegment(0xFE, []byte("patient: Yamada Hanako"))
	iptcSegmnt = jpegSegment(0xED, []byte("Photoshop 3.0\x008BIM caption Yamada"))
	iccSegment = jpegSegment(0xE2, append([]byte("ICC_PROFILE\x00\x01\x01"), bytes.Repeat([]byte{0x42}, 64)...))
)

func pngChunk(typ string, body []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	c = append(c, typ...)
	c = append(c, body...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// withChunks inserts chunks right after IHDR (signature 8 + IHDR 25 bytes).
func withChunks(p []byte, chunks ...[]byte) []byte {
	out := append([]byte{}, p[:33]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[33:]...)
}

// pngBomb is a tiny PNG claiming w×h pixels.
func pngBomb(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB
	out := append([]byte{}, pngSignature...)
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, pngChunk("IEND", nil)...)
}

// jpegBomb rewrites the frame header of a real JPEG to claim w×h pixels.
func jpegBomb(t testing.TB, w, h uint16) []byte {
	t.Helper()
	data := encodeJPEG(t, quadrants(16, 16))
	i := bytes.Index(data, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	binary.BigEndian.PutUint16(data[i+5:], h)
	binary.BigEndian.PutUint16(data[i+7:], w)
	return data
}

func decodeAny(t testing.TB, data []byte) image.Image {
	t.Helper()
	m, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return m
}

// near reports whether two colours are within JPEG noise of each other.
func near(c color.Color, r, g, b uint8) bool {
	cr, cg, cb, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { x := int(a>>8) - int(b); return x > -60 && x < 60 }
	return d(cr, r) && d(cg, g) && d(cb, b)
}
