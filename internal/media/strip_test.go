package media

import (
	"bytes"
	"image"
	"image/color"
	"testing"

	"renraku/internal/domain"
)

// markersOf lists the markers of the segments of a JPEG.
func markersOf(t *testing.T, data []byte) []byte {
	t.Helper()
	segs, err := parseJPEG(data)
	if err != nil {
		t.Fatalf("parseJPEG: %v", err)
	}
	var ms []byte
	for _, s := range segs {
		ms = append(ms, s.marker)
	}
	return ms
}

func samePixels(t *testing.T, a, b image.Image) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds %v != %v", a.Bounds(), b.Bounds())
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				t.Fatalf("pixel (%d,%d) differs: %v != %v", x, y, a.At(x, y), b.At(x, y))
			}
		}
	}
}

func TestStripJPEGMetadata(t *testing.T) {
	plain := encodeJPEG(t, quadrants(64, 48))
	jfif := jpegSegment(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	jfxx := jpegSegment(0xE0, []byte("JFXX\x00\x10 embedded thumbnail"))
	adobe := jpegSegment(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01"))
	in := withSegments(plain, jfif, jfxx, exifSegment(1), xmpSegment, iccSegment, iptcSegmnt, comSegment, adobe)
	in = append(in, []byte("PK\x03\x04 trailing ZIP after EOI "+secretPlace)...)

	out, err := StripJPEGMetadata(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range [][]byte{[]byte("Exif"), []byte(secretPlace), gpsLatitude, []byte("xmpmeta"),
		[]byte("Yamada"), []byte("JFXX"), []byte("PK\x03\x04")} {
		if bytes.Contains(out, secret) {
			t.Errorf("stripped JPEG still contains %q", secret)
		}
	}
	for _, kept := range [][]byte{[]byte("JFIF\x00"), []byte("ICC_PROFILE\x00"), []byte("Adobe")} {
		if !bytes.Contains(out, kept) {
			t.Errorf("stripped JPEG lost %q", kept)
		}
	}
	for _, m := range markersOf(t, out) {
		if m == 0xE1 || m == 0xED || m == 0xFE {
			t.Errorf("marker %#x survived", m)
		}
	}
	if !bytes.HasSuffix(out, []byte{0xFF, 0xD9}) {
		t.Error("stripped JPEG does not end with EOI")
	}
	// Not re-encoded: the scan is copied, so the pixels are the same.
	samePixels(t, decodeAny(t, in), decodeAny(t, out))
	if _, _, err := Inspect(out, 10<<20); err != nil {
		t.Errorf("stripped JPEG fails Inspect: %v", err)
	}
	// Stripping is idempotent.
	again, err := StripJPEGMetadata(out)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("second strip changed the file (err %v)", err)
	}
}

func TestStripJPEGProgressive(t *testing.T) {
	// Segments between scans (tables, and in the wild APPn and COM) are walked too.
	plain := encodeJPEG(t, quadrants(40, 40))
	eoi := len(plain) - 2
	// A second "scan" is not needed: a COM after the entropy-coded data and
	// before EOI is where a progressive file would have its next tables.
	in := append(append(append([]byte{}, plain[:eoi]...), comSegment...), plain[eoi:]...)
	out, err := StripJPEGMetadata(in)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("Yamada")) {
		t.Error("comment after the scan survived")
	}
	if !bytes.Equal(out, plain) {
		t.Error("stripping a comment changed the picture bytes")
	}
}

func TestStripJPEGOrientation(t *testing.T) {
	// A phone held upright writes a landscape sensor image with orientation 6
	// (turn 90° clockwise to show). The stored picture is 64 wide, 32 high:
	// left half red, right half blue, green top-left corner.
	in := withSegments(encodeJPEG(t, quadrants(64, 32)), exifSegment(6), iccSegment)
	out, err := StripJPEGMetadata(in)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("Exif")) || bytes.Contains(out, []byte(secretPlace)) {
		t.Fatal("EXIF survived the re-encode")
	}
	if !bytes.Contains(out, []byte("ICC_PROFILE\x00")) {
		t.Error("ICC profile lost in the re-encode")
	}
	m := decodeAny(t, out)
	if b := m.Bounds(); b.Dx() != 32 || b.Dy() != 64 {
		t.Fatalf("upright size %v; want 32x64", b.Size())
	}
	// Turned clockwise: the left (red) half is now on top, the green corner
	// top right, the blue half below.
	for _, c := range []struct {
		x, y    int
		r, g, b uint8
	}{
		{28, 4, 0, 255, 0},  // top right: green
		{4, 20, 255, 0, 0},  // top half: red
		{16, 50, 0, 0, 255}, // bottom half: blue
	} {
		if got := m.At(c.x, c.y); !near(got, c.r, c.g, c.b) {
			t.Errorf("pixel (%d,%d) = %v; want about %d,%d,%d", c.x, c.y, got, c.r, c.g, c.b)
		}
	}
	if _, _, err := Inspect(out, 10<<20); err != nil {
		t.Errorf("rotated JPEG fails Inspect: %v", err)
	}
}

func TestOrient(t *testing.T) {
	// Stored 3×2 picture "a b c / d e f"; what each EXIF orientation shows.
	px := func(v uint8) color.NRGBA { return color.NRGBA{v, v, v, 255} }
	src := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i, v := range []uint8{'a', 'b', 'c', 'd', 'e', 'f'} {
		src.Set(i%3, i/3, px(v))
	}
	want := map[int][]string{
		1: {"abc", "def"},
		2: {"cba", "fed"},
		3: {"fed", "cba"},
		4: {"def", "abc"},
		5: {"ad", "be", "cf"},
		6: {"da", "eb", "fc"},
		7: {"fc", "eb", "da"},
		8: {"cf", "be", "ad"},
	}
	for o := 1; o <= 8; o++ {
		for _, opaque := range []bool{false, true} {
			m := orient(src, o, opaque)
			var rows []string
			for y := 0; y < m.Bounds().Dy(); y++ {
				var row []byte
				for x := 0; x < m.Bounds().Dx(); x++ {
					r, _, _, _ := m.At(x, y).RGBA()
					row = append(row, byte(r>>8))
				}
				rows = append(rows, string(row))
			}
			if len(rows) != len(want[o]) {
				t.Errorf("orientation %d: %q; want %q", o, rows, want[o])
				continue
			}
			for i := range rows {
				if rows[i] != want[o][i] {
					t.Errorf("orientation %d (opaque %v): %q; want %q", o, opaque, rows, want[o])
					break
				}
			}
		}
	}
	// The YCbCr path (what the JPEG decoder returns) agrees with the generic one.
	yc := decodeAny(t, encodeJPEG(t, quadrants(30, 20)))
	for o := 2; o <= 8; o++ {
		fast := orient(yc, o, true)
		rgba := image.NewRGBA(yc.Bounds())
		for y := 0; y < 20; y++ {
			for x := 0; x < 30; x++ {
				rgba.Set(x, y, yc.At(x, y))
			}
		}
		slow := orient(rgba, o, true)
		samePixels(t, fast, slow)
	}
}

func TestExifOrientation(t *testing.T) {
	for o := uint16(1); o <= 8; o++ {
		if got := exifOrientation(exifTIFF(o)); got != int(o) {
			t.Errorf("exifOrientation = %d; want %d", got, o)
		}
	}
	le := []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0}
	if got := exifOrientation(le); got != 8 {
		t.Errorf("little-endian orientation = %d; want 8", got)
	}
	for name, bad := range map[string][]byte{
		"empty":          nil,
		"bad order":      []byte("XX\x00\x2a\x00\x00\x00\x08"),
		"IFD past end":   []byte("MM\x00\x2a\xff\xff\xff\xf0"),
		"count too high": []byte("MM\x00\x2a\x00\x00\x00\x08\xff\xff"),
		"value 9":        []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x09\x00\x00"),
		"type LONG":      []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x04\x00\x00\x00\x01\x00\x00\x00\x06"),
	} {
		if got := exifOrientation(bad); got != 1 {
			t.Errorf("%s: orientation %d; want 1", name, got)
		}
	}
}

func TestStripJPEGMalformed(t *testing.T) {
	good := encodeJPEG(t, quadrants(16, 16))
	for name, data := range map[string][]byte{
		"empty":           nil,
		"not JPEG":        []byte("hello"),
		"cut in scan":     good[:len(good)-20],
		"no EOI":          good[:len(good)-2],
		"segment overrun": append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x40, 0x00}, make([]byte, 10)...),
		"no frame":        {0xFF, 0xD8, 0xFF, 0xD9},
		"double SOI":      {0xFF, 0xD8, 0xFF, 0xD8, 0xFF, 0xD9},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := StripJPEGMetadata(data)
			if e := domain.AsError(err); e == nil || e.Problem != ProblemCorrupt {
				t.Errorf("err = %v; want %s", err, ProblemCorrupt)
			}
		})
	}
}

func TestStripPNGMetadata(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 20, 10))
	for y := 0; y < 10; y++ {
		for x := 0; x < 20; x++ {
			src.Set(x, y, color.NRGBA{uint8(x * 10), uint8(y * 20), 99, uint8(100 + x)})
		}
	}
	plain := encodePNG(t, src)
	gama := pngChunk("gAMA", []byte{0, 0, 0xB1, 0x8F})
	in := withChunks(plain,
		gama,
		pngChunk("tEXt", []byte("Comment\x00"+secretPlace)),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta>GPS</x:xmpmeta>")),
		pngChunk("zTXt", []byte("Author\x00\x00x\x9c\x03\x00\x00\x00\x00\x01")),
		pngChunk("eXIf", exifTIFF(1)),
		pngChunk("tIME", []byte{0x07, 0xEA, 11, 22, 9, 30, 0}),
		pngChunk("iDOT", []byte("apple private")),
	)
	in = append(in, "trailing "+secretPlace...)
	out, err := StripPNGMetadata(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"tEXt", "iTXt", "zTXt", "eXIf", "tIME", "iDOT", secretPlace, "xmpmeta", string(gpsLatitude)} {
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("stripped PNG still contains %q", secret)
		}
	}
	if !bytes.Contains(out, gama) {
		t.Error("gAMA lost")
	}
	samePixels(t, decodeAny(t, plain), decodeAny(t, out))
	if _, _, err := Inspect(out, 10<<20); err != nil {
		t.Errorf("stripped PNG fails Inspect: %v", err)
	}
}

func TestStripPNGOrientation(t *testing.T) {
	in := withChunks(encodePNG(t, quadrants(40, 20)), pngChunk("eXIf", exifTIFF(8)))
	out, err := StripPNGMetadata(in)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("eXIf")) {
		t.Error("eXIf survived")
	}
	m := decodeAny(t, out)
	if b := m.Bounds(); b.Dx() != 20 || b.Dy() != 40 {
		t.Fatalf("size %v; want 20x40", b.Size())
	}
	// Turned counter-clockwise: the green top-left corner is now bottom left,
	// the right (blue) half on top.
	if !near(m.At(2, 38), 0, 255, 0) || !near(m.At(10, 5), 0, 0, 255) || !near(m.At(15, 30), 255, 0, 0) {
		t.Errorf("wrong turn: %v %v %v", m.At(2, 38), m.At(10, 5), m.At(15, 30))
	}
}

func TestStripPNGMalformed(t *testing.T) {
	good := encodePNG(t, quadrants(8, 8))
	badCRC := append([]byte{}, good...)
	badCRC[len(badCRC)-20] ^= 1
	for name, data := range map[string][]byte{
		"empty":        nil,
		"cut":          good[:len(good)-5],
		"bad CRC":      badCRC,
		"no IHDR":      append(append([]byte{}, pngSignature...), pngChunk("IEND", nil)...),
		"huge length":  append(append([]byte{}, pngSignature...), 0xFF, 0xFF, 0xFF, 0xFF, 'I', 'H', 'D', 'R'),
		"no IEND":      good[:len(good)-12],
		"JPEG instead": encodeJPEG(t, quadrants(8, 8)),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := StripPNGMetadata(data)
			if e := domain.AsError(err); e == nil || e.Problem != ProblemCorrupt {
				t.Errorf("err = %v; want %s", err, ProblemCorrupt)
			}
		})
	}
}
