package media

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// File is an upload ready to store: checked, cleaned and content-addressed.
type File struct {
	ID          string // hex SHA-256 of Data (domain.Attachment.ID)
	Kind        Kind
	ContentType string
	Data        []byte // photos without metadata; PDF and DICOM as uploaded
	Width       int    // images only, upright
	Height      int
	Thumbnail   []byte // JPEG, images only
}

// Prepare is what the timeline calls on an upload: Inspect, then for photos
// StripJPEGMetadata or StripPNGMetadata, a full decode (which finds pictures
// cut short in transit) and a thumbnail of at most thumbMax pixels. The ID is
// taken after stripping, so the same photo sent twice is stored once. On any
// error nothing should be stored.
func Prepare(data []byte, maxBytes int64, thumbMax int) (*File, error) {
	k, ct, err := Inspect(data, maxBytes)
	if err != nil {
		return nil, err
	}
	f := &File{Kind: k, ContentType: ct, Data: data}
	if k.IsImage() {
		if k == JPEG {
			f.Data, err = StripJPEGMetadata(data)
		} else {
			f.Data, err = StripPNGMetadata(data)
		}
		if err != nil {
			return nil, err
		}
		if f.Thumbnail, err = Thumbnail(f.Data, thumbMax); err != nil {
			return nil, err
		}
		_, cfg, err := decodeConfig(f.Data)
		if err != nil {
			return nil, err
		}
		f.Width, f.Height = cfg.Width, cfg.Height
	}
	f.ID = ID(f.Data)
	return f, nil
}

// CleanName turns the name a browser sent with an upload into a safe download
// name for a file of kind k: no directories ("../../x", "C:\x"), no control or
// reserved characters, at most 80 characters, and the extension of what the
// file really is ("scan.png" holding a JPEG becomes "scan.jpg").
func CleanName(name string, k Kind) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', r == '\ufeff', r == '\u202e', r == '\u202d':
			return -1 // including the bidi overrides that make "gpj.exe" read "exe.jpg"
		case strings.ContainsRune(`<>:"|?*;`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, " 　.")
	ext := strings.ToLower(path.Ext(name))
	switch ext {
	case ".jpg", ".jpeg", ".jpe", ".png", ".pdf", ".dcm", ".dicom", ".heic", ".heif":
		name = strings.TrimRight(strings.TrimSuffix(name, name[len(name)-len(ext):]), " 　.")
	}
	if r := []rune(name); len(r) > 80 {
		name = strings.TrimRight(string(r[:80]), " 　.")
	}
	if name == "" || !utf8.ValidString(name) {
		name = "添付ファイル"
	}
	return name + k.Ext()
}
