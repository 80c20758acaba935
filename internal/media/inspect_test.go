package media

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"renraku/internal/domain"
)

func minimalPDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}

func minimalDICOM() []byte {
	d := make([]byte, 128)
	d = append(d, "DICM"...)
	// (0002,0000) UL 4: group length, explicit VR little endian.
	d = append(d, 0x02, 0x00, 0x00, 0x00, 'U', 'L', 0x04, 0x00, 0x00, 0x00, 0x00, 0x00)
	return d
}

func ftyp(major string, compat ...string) []byte {
	body := []byte(major + "\x00\x00\x00\x00")
	for _, c := range compat {
		body = append(body, c...)
	}
	box := []byte{0, 0, 0, byte(8 + len(body))}
	box = append(box, "ftyp"...)
	box = append(box, body...)
	return append(box, make([]byte, 64)...) // the meta box would follow
}

func TestInspect(t *testing.T) {
	jpg := encodeJPEG(t, quadrants(32, 24))
	pngData := encodePNG(t, quadrants(32, 24))
	badCRC := append([]byte{}, pngData...)
	badCRC[30] ^= 0xFF // inside IHDR

	tests := []struct {
		name     string
		data     []byte
		max      int64
		kind     Kind
		ctype    string
		problem  string
		contains string
	}{
		{name: "JPEG", data: jpg, kind: JPEG, ctype: "image/jpeg"},
		{name: "JPEG with EXIF", data: withSegments(jpg, exifSegment(6)), kind: JPEG, ctype: "image/jpeg"},
		{name: "PNG", data: pngData, kind: PNG, ctype: "image/png"},
		// The name is not an input: a PNG sent as "photo.jpg" is a PNG.
		{name: "PNG named .jpg", data: pngData, kind: PNG, ctype: "image/png"},
		{name: "PDF", data: minimalPDF(), kind: PDF, ctype: "application/pdf"},
		{name: "DICOM", data: minimalDICOM(), kind: DICOM, ctype: "application/dicom"},
		{name: "JPEG followed by a ZIP", data: append(append([]byte{}, jpg...), "PK\x03\x04rest"...), kind: JPEG, ctype: "image/jpeg"},

		{name: "empty", data: nil, problem: ProblemEmpty, contains: "0バイト"},
		{name: "oversized", data: bytes.Repeat([]byte{0}, 1<<20+1), max: 1 << 20, problem: ProblemTooLarge, contains: "1MB以下"},
		{name: "oversized, decimal cap", data: append(append([]byte{}, jpg...), make([]byte, 3_000_000)...), max: 3_000_000, problem: ProblemTooLarge, contains: "2.8MB以下"},
		{name: "over default cap", data: append(append([]byte{}, jpg...), make([]byte, DefaultMaxBytes)...), max: 0, problem: ProblemTooLarge, contains: "10MB以下"},
		{name: "JPEG cut in half", data: jpg[:len(jpg)/2], problem: ProblemCorrupt},
		{name: "JPEG header only", data: []byte{0xFF, 0xD8, 0xFF, 0xE0}, problem: ProblemCorrupt},
		{name: "JPEG segment overruns", data: []byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0x00}, problem: ProblemCorrupt},
		{name: "PNG cut in half", data: pngData[:len(pngData)/2], problem: ProblemCorrupt},
		{name: "PNG bad CRC", data: badCRC, problem: ProblemCorrupt},
		{name: "PNG signature only", data: pngSignature, problem: ProblemCorrupt},
		{name: "PDF without trailer", data: minimalPDF()[:40], problem: ProblemCorrupt, contains: "PDF"},
		{name: "DICOM without meta", data: append(make([]byte, 128), "DICMxxxxxxxxxxxxxxxx"...), problem: ProblemCorrupt, contains: "DICOM"},
		{name: "HEIC", data: ftyp("heic", "mif1", "heic"), problem: ProblemHEIC, contains: "互換性優先"},
		{name: "HEIF mif1", data: ftyp("mif1", "mif1", "heic"), problem: ProblemHEIC, contains: "JPEG"},
		{name: "AVIF", data: ftyp("avif", "mif1", "miaf"), problem: ProblemUnsupported, contains: "AVIF"},
		{name: "MP4 video", data: ftyp("isom", "isom", "mp42"), problem: ProblemUnsupported, contains: "動画"},
		{name: "ZIP", data: []byte("PK\x03\x04\x14\x00\x00\x00word/document.xml"), problem: ProblemUnsupported, contains: "PDFに変換"},
		{name: "empty ZIP", data: []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), problem: ProblemUnsupported, contains: "ZIP"},
		{name: "old Excel", data: []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 workbook"), problem: ProblemUnsupported, contains: "Excel"},
		{name: "GIF", data: []byte("GIF89a\x01\x00\x01\x00"), problem: ProblemUnsupported, contains: "GIF"},
		{name: "WebP", data: []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), problem: ProblemUnsupported, contains: "WebP"},
		{name: "text", data: []byte("<script>alert(1)</script>"), problem: ProblemUnsupported, contains: "JPEG・PNG"},
		{name: "executable", data: []byte("MZ\x90\x00\x03\x00\x00\x00"), problem: ProblemUnsupported},
		{name: "PNG bomb 100000x100000", data: pngBomb(100000, 100000), problem: ProblemDimensions, contains: "100000×100000"},
		{name: "PNG bomb 11000x11000 (too many pixels)", data: pngBomb(11000, 11000), problem: ProblemDimensions},
		{name: "JPEG bomb 60000x60000", data: jpegBomb(t, 60000, 60000), problem: ProblemDimensions, contains: "60000×60000"},
		{name: "PNG zero width", data: pngBomb(0, 10), problem: ProblemCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := tt.max
			if limit == 0 && tt.name != "over default cap" {
				limit = 20 << 20
			}
			kind, ctype, err := Inspect(tt.data, limit)
			if tt.problem == "" {
				if err != nil {
					t.Fatalf("Inspect: %v", err)
				}
				if kind != tt.kind || ctype != tt.ctype {
					t.Fatalf("Inspect = %q, %q; want %q, %q", kind, ctype, tt.kind, tt.ctype)
				}
				return
			}
			e := domain.AsError(err)
			if e == nil || e.Code != domain.EINVALID {
				t.Fatalf("Inspect error = %v; want an EINVALID *domain.Error", err)
			}
			if e.Problem != tt.problem {
				t.Errorf("problem = %q; want %q (%v)", e.Problem, tt.problem, err)
			}
			if !strings.Contains(e.Message, tt.contains) {
				t.Errorf("message %q does not contain %q", e.Message, tt.contains)
			}
			if kind != "" || ctype != "" {
				t.Errorf("refused file got kind %q, type %q", kind, ctype)
			}
		})
	}
}

func TestHEICMessage(t *testing.T) {
	_, _, err := Inspect(ftyp("heic", "mif1", "heic"), 10<<20)
	want := "HEIC形式（iPhoneの標準の写真形式）には対応していません。iPhoneの「設定」→「カメラ」→「フォーマット」で「互換性優先」を選んでJPEGで撮影し直すか、写真のスクリーンショットを添付してください。"
	if got := domain.PublicMessage(err); got != want {
		t.Errorf("message = %q", got)
	}
}

func TestBombRefusedBeforeDecoding(t *testing.T) {
	// 60000×60000 RGBA would be 14 GB: the refusal must come from the header.
	for name, data := range map[string][]byte{"png": pngBomb(60000, 60000), "jpeg": jpegBomb(t, 60000, 60000)} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			for _, f := range []func() error{
				func() error { _, err := Thumbnail(data, 320); return err },
				func() error { _, err := Prepare(data, 10<<20, 320); return err },
			} {
				if err := f(); domain.AsError(err) == nil || domain.AsError(err).Problem != ProblemDimensions {
					t.Errorf("err = %v; want %s", err, ProblemDimensions)
				}
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v: the pixels were decoded", d)
			}
		})
	}
}

func TestMB(t *testing.T) {
	tests := []struct {
		n    int64
		up   bool
		want string
	}{
		{10 << 20, false, "10"},
		{10 << 20, true, "10"},
		{10<<20 + 1, true, "10.1"},
		{10_000_000, false, "9.5"},
		{512 << 10, false, "0.5"},
		{1, true, "0.1"},
	}
	for _, tt := range tests {
		if got := mb(tt.n, tt.up); got != tt.want {
			t.Errorf("mb(%d, %v) = %q; want %q", tt.n, tt.up, got, tt.want)
		}
	}
}

func TestID(t *testing.T) {
	if got := ID([]byte("abc")); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("ID = %s", got)
	}
}

func TestKind(t *testing.T) {
	for _, k := range []Kind{JPEG, PNG, PDF, DICOM} {
		if KindOf(k.ContentType()) != k {
			t.Errorf("KindOf(%q) != %q", k.ContentType(), k)
		}
		if k.Ext() == "" || k.Label() == "" {
			t.Errorf("%q has no extension or label", k)
		}
	}
	if KindOf("text/html") != "" {
		t.Error("KindOf(text/html) is a kind")
	}
	if !JPEG.IsImage() || !PNG.IsImage() || PDF.IsImage() || DICOM.IsImage() {
		t.Error("IsImage wrong")
	}
}

func TestCleanName(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		want string
	}{
		{"傷の写真.JPG", JPEG, "傷の写真.jpg"},
		{"photo.jpg", PNG, "photo.png"},         // a PNG renamed .jpg
		{"scan.png", JPEG, "scan.jpg"},          // and the other way
		{"report.docx", PDF, "report.docx.pdf"}, // unknown extension kept as part of the name
		{"../../etc/passwd", PDF, "passwd.pdf"}, // path-like names
		{`C:\Users\kango\Desktop\x線.dcm`, DICOM, "x線.dcm"},
		{"..", JPEG, "添付ファイル.jpg"},
		{"", PDF, "添付ファイル.pdf"},
		{"a\x00b\r\nc.pdf", PDF, "abc.pdf"},
		{"inv\u202egpj.exe", JPEG, "invgpj.exe.jpg"}, // no bidi override
		{`a<b>:"c"|?*.png`, PNG, "a_b___c____.png"},
		{"  .hidden.pdf ", PDF, "hidden.pdf"},
		{strings.Repeat("長", 200) + ".pdf", PDF, strings.Repeat("長", 80) + ".pdf"},
		{"bad\xffutf8.png", PNG, "badutf8.png"},
		{"IMG_0001.HEIC", JPEG, "IMG_0001.jpg"},
	}
	for _, tt := range tests {
		if got := CleanName(tt.name, tt.kind); got != tt.want {
			t.Errorf("CleanName(%q, %s) = %q; want %q", tt.name, tt.kind, got, tt.want)
		}
	}
}
