package httpmetrics

import "net/http"

// sniffLen is the number of first body bytes net/http reads to detect the
// content type of a response whose handler named none.
const sniffLen = 512

// The content types sniffedType answers with, one per charset
// http.DetectContentType can name. Only their charset is recorded.
const (
	sniffedUTF8    = "text/plain; charset=utf-8"
	sniffedUTF16BE = "text/plain; charset=utf-16be"
	sniffedUTF16LE = "text/plain; charset=utf-16le"
	sniffedBinary  = "application/octet-stream"
)

// sniffedType returns a content type with the charset of
// http.DetectContentType(data), the type net/http sends for a response
// whose first body bytes are data: what the responses-by-charset family
// needs, at a fraction of the cost of detecting the type once more.
//
// Most bodies are text (JSON, plain text) or bytes that no signature
// starts: for those the answer is the one of DetectContentType's last
// rule, "text/plain; charset=utf-8" unless a byte is binary. Anything that
// may match a signature (a "<" after white space, the first two bytes of
// one, an MP4 box, an embedded OpenType font) is left to
// DetectContentType itself. TestSniffedType and FuzzSniffedType compare
// the two on every signature of Go's table.
func sniffedType(data []byte) string {
	if len(data) > sniffLen {
		data = data[:sniffLen]
	}
	ws := 0
	for ws < len(data) && isWS(data[ws]) {
		ws++
	}
	if ws < len(data) && data[ws] == '<' || len(data) >= 2 && mayStartSignature(string(data[:2])) ||
		len(data) >= 8 && string(data[4:8]) == "ftyp" ||
		len(data) >= 36 && data[34] == 'L' && data[35] == 'P' {
		return http.DetectContentType(data)
	}
	for _, b := range data[ws:] {
		if binaryByte[b] {
			return sniffedBinary
		}
	}
	return sniffedUTF8
}

// mayStartSignature reports whether the two bytes p start a signature
// http.DetectContentType matches at the start of the data, each of which is
// two bytes long at least: PDF, PostScript, the UTF-16 and UTF-8 byte order
// marks, icons, BMP, GIF, RIFF (WebP, AVI, WAVE), PNG, JPEG, AIFF, ID3, Ogg,
// MIDI, WebM, TrueType, OpenType, TrueType collections, WOFF, gzip, zip,
// RAR, WebAssembly.
func mayStartSignature(p string) bool {
	switch p {
	case "%P", "%!", "\xFE\xFF", "\xFF\xFE", "\xEF\xBB", "\x00\x00", "BM", "GI", "RI",
		"\x89P", "\xFF\xD8", "FO", "ID", "Og", "MT", "\x1AE", "\x00\x01", "OT", "tt", "wO",
		"\x1F\x8B", "PK", "Ra", "\x00a":
		return true
	}
	return false
}

// isWS is white space as the MIME sniffing standard defines it.
func isWS(b byte) bool {
	switch b {
	case '\t', '\n', '\x0c', '\r', ' ':
		return true
	}
	return false
}

// binaryByte marks the binary data bytes of the MIME sniffing standard.
var binaryByte = func() (t [256]bool) {
	for b := range 0x20 {
		t[b] = b <= 0x08 || b == 0x0B || 0x0E <= b && b <= 0x1A || 0x1C <= b && b <= 0x1F
	}
	return t
}()
