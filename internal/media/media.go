// Package media checks and cleans files attached to the timeline: photos (JPEG,
// PNG), PDFs and medical images as files (DICOM, sendai §13). The type is decided
// by the content, never by the name; photos lose their EXIF, GPS and other
// metadata; images get a JPEG thumbnail; files are named by the SHA-256 of their
// content, like the consent forms (domain.Attachment).
//
// Nothing here touches a database or HTTP: the caller stores what Prepare returns
// and refuses the upload on any error, which is a *domain.Error with a Japanese
// message.
package media

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"renraku/internal/domain"
)

// Kind is an accepted file type.
type Kind string

const (
	JPEG  Kind = "jpeg"
	PNG   Kind = "png"
	PDF   Kind = "pdf"
	DICOM Kind = "dicom" // sendai §13: medical images travel as files, downloaded, not shown
)

// ContentType is the media type to store and serve the file with.
func (k Kind) ContentType() string {
	switch k {
	case JPEG:
		return "image/jpeg"
	case PNG:
		return "image/png"
	case PDF:
		return "application/pdf"
	case DICOM:
		return "application/dicom"
	}
	return "application/octet-stream"
}

// Ext is the file name extension for downloads.
func (k Kind) Ext() string {
	switch k {
	case JPEG:
		return ".jpg"
	case PNG:
		return ".png"
	case PDF:
		return ".pdf"
	case DICOM:
		return ".dcm"
	}
	return ""
}

// Label names the kind for people.
func (k Kind) Label() string {
	switch k {
	case JPEG, PNG:
		return "写真"
	case PDF:
		return "PDF"
	case DICOM:
		return "医用画像（DICOM）"
	}
	return "ファイル"
}

// IsImage reports whether the file can be shown inline and has a thumbnail.
func (k Kind) IsImage() bool { return k == JPEG || k == PNG }

// KindOf returns the kind stored under a content type ("" if none).
func KindOf(contentType string) Kind {
	for _, k := range []Kind{JPEG, PNG, PDF, DICOM} {
		if k.ContentType() == contentType {
			return k
		}
	}
	return ""
}

// ID is the content address of a file: the hex SHA-256 of its bytes, the same
// as domain.Attachment.ID.
func ID(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// DefaultMaxBytes is the size cap used when the profile sets none.
const DefaultMaxBytes = 10 << 20

// Limits against decompression bombs: a few kilobytes of PNG or JPEG can claim
// a 65535×65535 picture, which would take 16 GiB to decode. A 48-megapixel
// phone photo (8064×6048) still passes.
const (
	MaxSide   = 12000
	MaxPixels = 50_000_000
)

// Problem types for API clients (domain.Error.Problem).
const (
	ProblemEmpty       = "file-empty"
	ProblemTooLarge    = "file-too-large"
	ProblemUnsupported = "unsupported-file-type"
	ProblemHEIC        = "heic-unsupported"
	ProblemCorrupt     = "file-corrupt"
	ProblemDimensions  = "image-too-large"
)

func invalid(problem, msg string, err error) *domain.Error {
	return &domain.Error{Code: domain.EINVALID, Problem: problem, Message: msg, Err: err}
}

func corrupt(what string, err error) *domain.Error {
	return invalid(ProblemCorrupt, what+"が壊れているか、途中までしか送信されていないため読み込めません。もう一度添付してください。", err)
}

// checkDims refuses pictures too large to decode safely, before decoding.
func checkDims(w, h int) error {
	if w <= 0 || h <= 0 {
		return corrupt("画像ファイル", fmt.Errorf("media: image size %dx%d", w, h))
	}
	if w > MaxSide || h > MaxSide || int64(w)*int64(h) > MaxPixels {
		return invalid(ProblemDimensions, fmt.Sprintf("画像の大きさ（%d×%dピクセル）が大きすぎます。縦横それぞれ%dピクセル以下、画素数%d万以下に縮小してから添付してください。",
			w, h, MaxSide, MaxPixels/10000), nil)
	}
	return nil
}

// mb writes n bytes in MB (2^20) with at most one decimal, rounded up (a file
// size) or down (a cap), so that "too large" never reads "10MB, cap 10MB".
func mb(n int64, up bool) string {
	const unit = 1 << 20
	tenths := n * 10 / unit
	if up && (n*10)%unit != 0 {
		tenths++
	}
	if tenths%10 == 0 {
		return fmt.Sprintf("%d", tenths/10)
	}
	return fmt.Sprintf("%d.%d", tenths/10, tenths%10)
}
