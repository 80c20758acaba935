package media

import (
	"testing"

	"renraku/internal/domain"
)

// FuzzPrepare feeds arbitrary bytes through everything an upload meets: it
// must never panic, and every refusal must be a *domain.Error for the user.
func FuzzPrepare(f *testing.F) {
	jpg := encodeJPEG(f, quadrants(24, 16))
	f.Add(jpg)
	f.Add(withSegments(jpg, exifSegment(6), xmpSegment, iccSegment, comSegment))
	f.Add(encodePNG(f, quadrants(10, 6)))
	f.Add(withChunks(encodePNG(f, quadrants(10, 6)), pngChunk("eXIf", exifTIFF(8))))
	f.Add(pngBomb(60000, 60000))
	f.Add(minimalPDF())
	f.Add(minimalDICOM())
	f.Add(ftyp("heic", "mif1"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Prepare(data, 1<<20, 64)
		if err != nil {
			if file != nil {
				t.Fatal("file returned with an error")
			}
			if domain.AsError(err) == nil {
				t.Fatalf("error for the user is not a *domain.Error: %v", err)
			}
			return
		}
		if file.ID != ID(file.Data) {
			t.Fatal("ID is not the hash of Data")
		}
		if file.Kind.IsImage() {
			if _, _, err := Inspect(file.Data, 1<<20); err != nil {
				t.Fatalf("cleaned image fails Inspect: %v", err)
			}
		}
	})
}
