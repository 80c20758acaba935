package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
)

// heicMessage: no maintained pure-Go HEIC decoder could be used (checked
// 2026-11: gen2brain/h265 is weeks old and not on the module proxy; the others
// need cgo, a shared libheif or a WASM runtime), so iPhone users are told how to
// send JPEG instead.
const heicMessage = "HEIC形式（iPhoneの標準の写真形式）には対応していません。iPhoneの「設定」→「カメラ」→「フォーマット」で「互換性優先」を選んでJPEGで撮影し直すか、写真のスクリーンショットを添付してください。"

const acceptedList = "添付できるのは写真（JPEG・PNG）、PDF、医用画像（DICOM）です。"

// Inspect decides the type of an upload from its content and refuses what the
// timeline does not accept. The name the user gave is never consulted: a PNG
// called .jpg is a PNG, a ZIP called .pdf is refused.
//
// It checks the size cap (maxBytes, set per profile; DefaultMaxBytes when ≤ 0),
// the structure of the file (JPEG segments up to EOI, PNG chunks and CRCs up to
// IEND, a PDF header and trailer, the DICOM preamble) and, for images, that the
// picture is not too large to decode. It does not decode pixels; Prepare does.
// Errors are *domain.Error with code EINVALID and a Japanese message.
func Inspect(data []byte, maxBytes int64) (Kind, string, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if len(data) == 0 {
		return "", "", invalid(ProblemEmpty, "ファイルが空です（0バイト）。ファイルを選び直してください。", nil)
	}
	if n := int64(len(data)); n > maxBytes {
		return "", "", invalid(ProblemTooLarge, fmt.Sprintf("ファイルが大きすぎます（%sMB）。%sMB以下のファイルを添付してください。",
			mb(n, true), mb(maxBytes, false)), nil)
	}
	k, err := inspect(data)
	if err != nil {
		return "", "", err
	}
	return k, k.ContentType(), nil
}

func inspect(data []byte) (Kind, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		if _, err := parseJPEG(data); err != nil {
			return "", corrupt("画像ファイル", err)
		}
		_, _, err := decodeConfig(data)
		return JPEG, err
	case bytes.HasPrefix(data, pngSignature):
		if _, err := parsePNG(data); err != nil {
			return "", corrupt("画像ファイル", err)
		}
		_, _, err := decodeConfig(data)
		return PNG, err
	case isDICOM(data):
		// File Meta Information is always explicit VR little endian, group 0002.
		if len(data) < 140 || data[132] != 0x02 || data[133] != 0x00 {
			return "", corrupt("DICOMファイル", errors.New("media: no DICOM file meta group after DICM"))
		}
		return DICOM, nil
	case isPDF(data):
		// The trailer marks the end; a PDF cut short in transit has none.
		tail := data[max(0, len(data)-2048):]
		if !bytes.Contains(tail, []byte("%%EOF")) {
			return "", corrupt("PDFファイル", errors.New("media: PDF without %%EOF"))
		}
		return PDF, nil
	}
	return "", refuse(data)
}

func isPDF(data []byte) bool {
	// Readers accept the header anywhere in the first 1024 bytes.
	return bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-"))
}

func isDICOM(data []byte) bool {
	return len(data) >= 132 && string(data[128:132]) == "DICM"
}

// refuse explains, as precisely as the content allows, why a file is not taken.
func refuse(data []byte) error {
	if brands, ok := ftypBrands(data); ok {
		for _, b := range brands {
			if b == "avif" || b == "avis" {
				return invalid(ProblemUnsupported, "AVIF形式の画像には対応していません。JPEGかPNGに変換して添付してください。", nil)
			}
		}
		for _, b := range brands {
			switch b {
			case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "heif":
				return invalid(ProblemHEIC, heicMessage, nil)
			}
		}
		return invalid(ProblemUnsupported, "動画ファイルは添付できません。"+acceptedList, nil)
	}
	has := func(p string) bool { return bytes.HasPrefix(data, []byte(p)) }
	image := func(name string) error {
		return invalid(ProblemUnsupported, name+"形式の画像には対応していません。JPEGかPNGに変換して添付してください。", nil)
	}
	switch {
	case has("PK\x03\x04"), has("PK\x05\x06"), has("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"):
		// ZIP, and Office documents, which are ZIP (docx, xlsx) or OLE2 (doc, xls).
		return invalid(ProblemUnsupported, "ZIPファイルやWord・Excelなどの文書は添付できません。文書はPDFに変換してから添付してください。", nil)
	case has("GIF87a"), has("GIF89a"):
		return image("GIF")
	case len(data) >= 12 && has("RIFF") && string(data[8:12]) == "WEBP":
		return image("WebP")
	case has("II*\x00"), has("MM\x00*"):
		return image("TIFF")
	case has("BM"):
		return image("BMP")
	}
	return invalid(ProblemUnsupported, "この種類のファイルは添付できません。"+acceptedList, nil)
}

// ftypBrands reads the major and compatible brands of an ISO BMFF file
// (HEIF, AVIF, MP4, MOV).
func ftypBrands(data []byte) ([]string, bool) {
	if len(data) < 16 || string(data[4:8]) != "ftyp" {
		return nil, false
	}
	size := int(min(binary.BigEndian.Uint32(data), uint32(len(data))))
	if size < 16 {
		size = min(len(data), 64) // size 0 (to end) or 1 (64-bit): look a little way
	}
	brands := []string{string(data[8:12])}
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, string(data[i:i+4]))
	}
	return brands, true
}

// decodeConfig reads the dimensions of a JPEG or PNG.
func decodeConfig(data []byte) (Kind, image.Config, error) {
	var (
		cfg image.Config
		err error
		k   Kind
	)
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8}):
		k = JPEG
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case bytes.HasPrefix(data, pngSignature):
		k = PNG
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	default:
		return "", cfg, invalid(ProblemUnsupported, "JPEGまたはPNGの画像ではありません。", nil)
	}
	if err != nil {
		return "", cfg, corrupt("画像ファイル", err)
	}
	return k, cfg, checkDims(cfg.Width, cfg.Height)
}
