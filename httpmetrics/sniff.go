package httpmetrics

import (
	"encoding/binary"
	"net/http"
)

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
	if ws < len(data) && data[ws] == '<' || len(data) >= 2 && mayStartSignature(uint16(data[0])<<8|uint16(data[1])) ||
		len(data) >= 8 && string(data[4:8]) == "ftyp" ||
		len(data) >= 36 && data[34] == 'L' && data[35] == 'P' {
		return http.DetectContentType(data)
	}
	if hasBinary(data[ws:]) {
		return sniffedBinary
	}
	return sniffedUTF8
}

// mayStartSignature reports whether the first two bytes of the data, p
// (first<<8 | second), start a signature http.DetectContentType matches at
// the start of the data, each of which is two bytes long at least: PDF,
// PostScript, the UTF-16 and UTF-8 byte order marks, icons, BMP, GIF, RIFF
// (WebP, AVI, WAVE), PNG, JPEG, AIFF, ID3, Ogg, MIDI, WebM, TrueType,
// OpenType, TrueType collections, WOFF, gzip, zip, RAR, WebAssembly.
func mayStartSignature(p uint16) bool {
	switch p {
	case '%'<<8 | 'P', '%'<<8 | '!', 0xFEFF, 0xFFFE, 0xEFBB, 0x0000, 'B'<<8 | 'M', 'G'<<8 | 'I',
		'R'<<8 | 'I', 0x89<<8 | 'P', 0xFFD8, 'F'<<8 | 'O', 'I'<<8 | 'D', 'O'<<8 | 'g', 'M'<<8 | 'T',
		0x1A<<8 | 'E', 0x0001, 'O'<<8 | 'T', 't'<<8 | 't', 'w'<<8 | 'O', 0x1F8B, 'P'<<8 | 'K',
		'R'<<8 | 'a', 0x00<<8 | 'a':
		return true
	}
	return false
}

// hasBinary reports whether data holds a binary data byte, eight bytes at a
// time: only a word with a byte below 0x20 is looked at byte by byte.
func hasBinary(data []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(data) >= 8 {
		x := binary.LittleEndian.Uint64(data)
		if (x-0x20*ones)&^x&highs != 0 { // some byte is below 0x20
			for _, b := range data[:8] {
				if binaryByte[b] {
					return true
				}
			}
		}
		data = data[8:]
	}
	for _, b := range data {
		if binaryByte[b] {
			return true
		}
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
