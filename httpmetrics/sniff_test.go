package httpmetrics

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// signatures holds data that starts each signature of net/http's sniffing
// table (Go's net/http/sniff.go), and data that starts like one without
// matching it.
var signatures = []string{
	"<!DOCTYPE HTML>", "<!doctype html>", "<HTML>", "<html ", "<HEAD>", "<SCRIPT>", "<IFRAME>",
	"<H1>", "<DIV>", "<FONT>", "<TABLE>", "<A>", "<STYLE>", "<TITLE>", "<B>", "<BODY>", "<BR>",
	"<P>", "<!-->", " \t\r\n\x0c<p>", "<?xml version", "  <?xml", "<htmlx", "<p", "<",
	"%PDF-1.7", "%!PS-Adobe-3.0", "%PD", "\xFE\xFF\x00\x41", "\xFF\xFE\x41\x00", "\xEF\xBB\xBFtext",
	"\xFE\xFF", "\x00\x00\x01\x00", "\x00\x00\x02\x00", "BM", "BMP image", "GIF87a", "GIF89a",
	"GIF8", "RIFF\x00\x00\x00\x00WEBPVP8 ", "RIFFabcdWEBPVP", "\x89PNG\x0D\x0A\x1A\x0A",
	"\xFF\xD8\xFF", "FORM\x00\x00\x00\x00AIFF", "FORMabcdAIFF", "ID3", "ID3v2 tag", "OggS\x00",
	"OggS", "MThd\x00\x00\x00\x06", "MThd", "RIFF\x00\x00\x00\x00AVI ", "RIFFabcdWAVE",
	"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "\x00\x00\x00\x14ftypisom\x00\x00\x00\x00mp41",
	"abcdftypmp4", "\x1A\x45\xDF\xA3", strings.Repeat("x", 34) + "LP", strings.Repeat("\x00", 34) + "LP",
	"\x00\x01\x00\x00", "OTTO", "ttcf", "wOFF", "wOF2", "\x1F\x8B\x08", "PK\x03\x04",
	"Rar!\x1A\x07\x00", "Rar!\x1A\x07\x01\x00", "Rar!", "\x00asm", "\x00\x61\x73\x6D",
	"", " ", "\t\n", "{\"id\":42}", "[1,2,3]", "hello, world\n", "plain\x00binary", "\x1B[0m",
	"\x0Bvertical tab", "\x1Cfile separator", "\x7F delete", "héllo ünïcode", "\xC3", "ok\x1A",
	"text/plain and then <html>", "Mixed Case Text", "Totally text", "tt", "why", "Programs",
	strings.Repeat("a", 600), strings.Repeat("a", 511) + "\x00", strings.Repeat("a", 512) + "\x00",
}

// TestSniffedType checks that the charset sniffedType gives is the one of
// the type net/http detects, for every signature and for random bodies
// built from their pieces.
func TestSniffedType(t *testing.T) {
	check := func(data []byte) {
		t.Helper()
		if got, want := charset(sniffedType(data)), charset(http.DetectContentType(data)); got != want {
			t.Errorf("%q: charset %q, net/http detects %q (%s)", data, got, want, http.DetectContentType(data))
		}
	}
	for _, s := range signatures {
		check([]byte(s))
		check([]byte(s + " and some text after it"))
		check([]byte(s + "\x00"))
	}
	// Every first byte and every first two bytes, alone and followed by
	// text and by binary data.
	for b := range 256 {
		check([]byte{byte(b)})
		check(append([]byte{byte(b)}, "ext after"...))
		check(append([]byte{byte(b)}, 0x01, 0x02))
		for c := range 256 {
			check([]byte{byte(b), byte(c)})
			check([]byte{byte(b), byte(c), 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'})
			check([]byte{byte(b), byte(c), 0, 0, 0, 0, 0, 0})
		}
	}
	// Every control byte at every position of a text, across the words
	// hasBinary reads.
	for pos := range 40 {
		for b := range 0x21 {
			data := []byte(strings.Repeat("x", 40))
			data[pos] = byte(b)
			check(data)
			check(data[1:])
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b bytes.Buffer
		for range rng.IntN(4) + 1 {
			switch rng.IntN(4) {
			case 0:
				b.WriteString(signatures[rng.IntN(len(signatures))])
			case 1:
				b.WriteByte(byte(rng.IntN(256)))
			case 2:
				b.WriteString(strings.Repeat(" ", rng.IntN(40)))
			default:
				b.WriteString("text ")
			}
		}
		check(b.Bytes())
	}
}

// FuzzSniffedType compares sniffedType's charset with net/http's
// detection on any data.
func FuzzSniffedType(f *testing.F) {
	for _, s := range signatures {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := charset(sniffedType(data)), charset(http.DetectContentType(data)); got != want {
			t.Errorf("%q: charset %q, net/http detects %q", data, got, want)
		}
	})
}

var sinkType string

// BenchmarkSniff compares the cost of the charset with the cost of
// detecting the type again, on a short JSON body, a short text and an HTML
// page.
func BenchmarkSniff(b *testing.B) {
	for _, c := range []struct{ name, body string }{
		{"json", `{"id":42,"name":"Rex","breed":"collie"}`},
		{"text", "hello, world\n"},
		{"html", "<!doctype html><title>help</title><h1>Help</h1>"},
	} {
		data := []byte(c.body)
		b.Run("body="+c.name+"/by=stackprom", func(b *testing.B) {
			for b.Loop() {
				sinkType = sniffedType(data)
			}
		})
		b.Run("body="+c.name+"/by=DetectContentType", func(b *testing.B) {
			for b.Loop() {
				sinkType = http.DetectContentType(data)
			}
		})
	}
}
