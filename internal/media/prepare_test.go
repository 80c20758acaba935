package media

import (
	"bytes"
	"image/jpeg"
	"testing"

	"renraku/internal/domain"
)

func TestPrepare(t *testing.T) {
	t.Run("photo with GPS", func(t *testing.T) {
		plain := encodeJPEG(t, quadrants(640, 480))
		in := withSegments(plain, exifSegment(1), xmpSegment)
		f, err := Prepare(in, 10<<20, 160)
		if err != nil {
			t.Fatal(err)
		}
		if f.Kind != JPEG || f.ContentType != "image/jpeg" || f.Width != 640 || f.Height != 480 {
			t.Errorf("file = %s %s %dx%d", f.Kind, f.ContentType, f.Width, f.Height)
		}
		if bytes.Contains(f.Data, gpsLatitude) || bytes.Contains(f.Data, []byte(secretPlace)) || bytes.Contains(f.Data, []byte("Exif")) {
			t.Error("stored photo still has its EXIF/GPS")
		}
		if !bytes.Equal(f.Data, plain) {
			t.Error("stored photo differs from the original without metadata")
		}
		if f.ID != ID(f.Data) || f.ID == ID(in) {
			t.Error("ID is not the hash of the stored (stripped) bytes")
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(f.Thumbnail))
		if err != nil || cfg.Width != 160 || cfg.Height != 120 {
			t.Errorf("thumbnail %dx%d, %v", cfg.Width, cfg.Height, err)
		}
		// The same photo with other metadata is the same stored file.
		g, err := Prepare(withSegments(plain, comSegment), 10<<20, 160)
		if err != nil || g.ID != f.ID {
			t.Errorf("same picture, different ID (%v)", err)
		}
	})
	t.Run("turned photo", func(t *testing.T) {
		f, err := Prepare(withSegments(encodeJPEG(t, quadrants(64, 32)), exifSegment(8)), 10<<20, 320)
		if err != nil {
			t.Fatal(err)
		}
		if f.Width != 32 || f.Height != 64 {
			t.Errorf("upright size %dx%d; want 32x64", f.Width, f.Height)
		}
	})
	t.Run("PNG", func(t *testing.T) {
		f, err := Prepare(withChunks(encodePNG(t, quadrants(30, 20)), pngChunk("tEXt", []byte("a\x00"+secretPlace))), 10<<20, 320)
		if err != nil {
			t.Fatal(err)
		}
		if f.Kind != PNG || bytes.Contains(f.Data, []byte(secretPlace)) || len(f.Thumbnail) == 0 {
			t.Errorf("PNG not cleaned: %s, %d thumbnail bytes", f.Kind, len(f.Thumbnail))
		}
	})
	t.Run("PDF and DICOM as uploaded", func(t *testing.T) {
		for _, data := range [][]byte{minimalPDF(), minimalDICOM()} {
			f, err := Prepare(data, 10<<20, 320)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(f.Data, data) || f.ID != ID(data) || f.Thumbnail != nil || f.Width != 0 {
				t.Errorf("%s changed or got a thumbnail", f.Kind)
			}
		}
	})
	t.Run("refusals", func(t *testing.T) {
		good := encodeJPEG(t, quadrants(64, 64))
		// Cut inside the scan and closed with EOI: the structure is fine, the
		// pixels are not; only a full decode finds it.
		sos := bytes.Index(good, []byte{0xFF, 0xDA})
		cut := append(append([]byte{}, good[:sos+40]...), 0xFF, 0xD9)
		for name, tt := range map[string]struct {
			data    []byte
			problem string
		}{
			"empty":          {nil, ProblemEmpty},
			"oversized":      {append(append([]byte{}, good...), make([]byte, 1<<20)...), ProblemTooLarge},
			"zip":            {[]byte("PK\x03\x04...."), ProblemUnsupported},
			"HEIC":           {ftyp("heic", "mif1", "heic"), ProblemHEIC},
			"bomb":           {pngBomb(20000, 20000), ProblemDimensions},
			"cut in scan":    {cut, ProblemCorrupt},
			"truncated JPEG": {good[:len(good)-10], ProblemCorrupt},
		} {
			t.Run(name, func(t *testing.T) {
				f, err := Prepare(tt.data, 1<<20, 320)
				if f != nil {
					t.Error("a refused file was returned for storing")
				}
				if e := domain.AsError(err); e == nil || e.Code != domain.EINVALID || e.Problem != tt.problem {
					t.Errorf("err = %v; want EINVALID/%s", err, tt.problem)
				}
			})
		}
	})
}
