package media

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"renraku/internal/domain"
)

func TestThumbnail(t *testing.T) {
	alpha := image.NewNRGBA(image.Rect(0, 0, 50, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 50; x++ {
			alpha.Set(x, y, color.NRGBA{255, 0, 0, 0}) // fully transparent red
		}
	}
	tests := []struct {
		name   string
		data   []byte
		max    int
		w, h   int
		center color.RGBA // expected colour at the centre, about
	}{
		{"landscape JPEG", encodeJPEG(t, quadrants(400, 200)), 100, 100, 50, color.RGBA{0, 0, 255, 255}},
		{"portrait PNG", encodePNG(t, quadrants(150, 600)), 120, 30, 120, color.RGBA{0, 0, 255, 255}},
		{"small is not enlarged", encodeJPEG(t, quadrants(40, 30)), 320, 40, 30, color.RGBA{0, 0, 255, 255}},
		{"thin line keeps a pixel", encodePNG(t, quadrants(2000, 2)), 100, 100, 1, color.RGBA{0, 0, 255, 255}},
		{"transparent onto white", encodePNG(t, alpha), 64, 32, 64, color.RGBA{255, 255, 255, 255}},
		// Orientation 6 on a stored 400×200: shown 200×400, thumbnail 50×100.
		{"JPEG with orientation", withSegments(encodeJPEG(t, quadrants(400, 200)), exifSegment(6)), 100, 50, 100, color.RGBA{255, 0, 0, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th, err := Thumbnail(tt.data, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			m, err := jpeg.Decode(bytes.NewReader(th))
			if err != nil {
				t.Fatalf("thumbnail is not a JPEG: %v", err)
			}
			if b := m.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Errorf("size %dx%d; want %dx%d", b.Dx(), b.Dy(), tt.w, tt.h)
			}
			// Sample off-centre, away from the red/blue boundary.
			x, y := tt.w*3/4, tt.h*3/4
			if tt.name == "JPEG with orientation" {
				x, y = tt.w/2, tt.h/4 // top half is the stored left (red) half
			}
			if c := m.At(x, y); !near(c, tt.center.R, tt.center.G, tt.center.B) {
				t.Errorf("colour at (%d,%d) = %v; want about %v", x, y, c, tt.center)
			}
			if bytes.Contains(th, []byte("Exif")) {
				t.Error("thumbnail carries EXIF")
			}
		})
	}
}

func TestThumbnailRefuses(t *testing.T) {
	good := encodeJPEG(t, quadrants(64, 64))
	tests := []struct {
		name    string
		data    []byte
		max     int
		problem string // "" = a plain (programming) error
	}{
		{"PDF", minimalPDF(), 100, ProblemUnsupported},
		{"empty", nil, 100, ProblemUnsupported},
		{"cut JPEG", good[:len(good)/2], 100, ProblemCorrupt},
		{"bomb", pngBomb(50000, 50000), 100, ProblemDimensions},
		{"size 0", good, 0, ""},
		{"size too large", good, 5000, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Thumbnail(tt.data, tt.max)
			if err == nil {
				t.Fatal("no error")
			}
			e := domain.AsError(err)
			switch {
			case tt.problem == "" && e != nil:
				t.Errorf("err = %v; want a plain error", err)
			case tt.problem != "" && (e == nil || e.Problem != tt.problem):
				t.Errorf("err = %v; want %s", err, tt.problem)
			}
		})
	}
}

func TestFit(t *testing.T) {
	tests := []struct{ w, h, max, tw, th int }{
		{4000, 3000, 320, 320, 240},
		{3000, 4000, 320, 240, 320},
		{320, 320, 320, 320, 320},
		{100, 50, 320, 100, 50},
		{10000, 1, 320, 320, 1},
		{333, 1000, 100, 33, 100},
	}
	for _, tt := range tests {
		if w, h := fit(tt.w, tt.h, tt.max); w != tt.tw || h != tt.th {
			t.Errorf("fit(%d,%d,%d) = %d,%d; want %d,%d", tt.w, tt.h, tt.max, w, h, tt.tw, tt.th)
		}
	}
}

func BenchmarkThumbnail12MP(b *testing.B) {
	data := encodeJPEG(b, quadrants(4032, 3024))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Thumbnail(data, 320); err != nil {
			b.Fatal(err)
		}
	}
}
