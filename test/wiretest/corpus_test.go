package wiretest_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Bodies of the corpus.
var (
	textBody      = "hello, world\n"
	jsonBody      = `{"dog":"rex","age":3}`
	htmlBody      = "<html><head><title>hi</title></head><body>hi</body></html>"
	wsHTMLBody    = " \r\n\t <!DOCTYPE html><html><body>hi</body></html>"
	binaryBody    = "\x00\x01\x02\x03binary\xff\xfe"
	pngBody       = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
	gifBody       = "GIF89a\x01\x00\x01\x00\x80\x00\x00"
	pdfBody       = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
	utf16BEBody   = "\xfe\xff\x00h\x00i"
	utf16LEBody   = "\xff\xfeh\x00i\x00"
	utf8BOMBody   = "\xef\xbb\xbfhello"
	textThenBin   = "a\x00\x01\x02\x03\x04\x05"
	htmlDoc       = "<html><body>" + strings.Repeat("<p>dog</p>", 20) + "</body></html>"
	sevenBytes    = "<p>dog "
	trailerBody   = "body with trailers\n"
	longHTML      = func(n int) string { return fit("<html><body>", "<p>a longer body</p>", "</body></html>", n) }
	longText      = func(n int) string { return fit("", "dogs and cats\n", "", n) }
	filePlainText = longText(3000)
)

// fit is head + repeated middle + tail, exactly n bytes long.
func fit(head, middle, tail string, n int) string {
	b := []byte(head)
	for len(b) < n-len(tail) {
		b = append(b, middle...)
	}
	return string(append(b[:n-len(tail)], tail...))
}

func write(s string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s) }
}

func writeBytes(s string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(s)) }
}

// writeIn writes s in pieces of n bytes.
func writeIn(n int, s string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(s); i += n {
			w.Write([]byte(s[i:min(i+n, len(s))]))
		}
	}
}

func withCT(ct, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ct)
		io.WriteString(w, body)
	}
}

// justReader hides every method of a reader but Read.
type justReader struct{ r io.Reader }

func (j justReader) Read(p []byte) (int, error) { return j.r.Read(p) }

func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, s)
	zw.Close()
	return b.String()
}

func flush(w http.ResponseWriter) { w.(http.Flusher).Flush() }

// corpus returns the handler shapes, with the files some of them serve
// in a temporary directory.
func corpus(t *testing.T) []shape {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	smallFile := file("small.txt", textBody)
	largeFile := file("large.txt", filePlainText)
	hugeFile := file("huge.txt", longText(64<<10))
	unknownFile := file("page.wiretestext", htmlDoc)
	copyFile := func(path string, setLength bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			f, err := os.Open(path)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			defer f.Close()
			if setLength {
				fi, err := f.Stat()
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				w.Header().Set("Content-Length", fmt.Sprint(fi.Size()))
			}
			io.Copy(w, f)
		}
	}
	copyReader := func(s string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { io.Copy(w, justReader{strings.NewReader(s)}) }
	}
	modTime := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	serveContent := func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "page.wiretestext", modTime, strings.NewReader(htmlDoc))
	}
	gz := gzipped(longText(2000))

	return []shape{
		// Nothing written.
		{name: "no body", h: func(w http.ResponseWriter, r *http.Request) {}, after: true, keepAlive: true},
		{name: "empty Write", h: writeBytes("")},
		{name: "empty Write then HTML", h: func(w http.ResponseWriter, r *http.Request) {
			w.Write(nil)
			io.WriteString(w, htmlBody)
		}},

		// Short bodies without a Content-Type: net/http sniffs one.
		{name: "text", h: write(textBody), after: true, keepAlive: true},
		{name: "JSON", h: write(jsonBody)},
		{name: "HTML", h: write(htmlBody), after: true},
		{name: "HTML after leading white space", h: write(wsHTMLBody)},
		{name: "binary", h: writeBytes(binaryBody)},
		{name: "PNG magic", h: writeBytes(pngBody)},
		{name: "GIF magic", h: writeBytes(gifBody)},
		{name: "PDF magic", h: writeBytes(pdfBody)},
		{name: "UTF-16BE BOM", h: writeBytes(utf16BEBody)},
		{name: "UTF-16LE BOM", h: writeBytes(utf16LEBody)},
		{name: "UTF-8 BOM", h: writeBytes(utf8BOMBody)},

		// Long bodies.
		{name: "HTML 600 bytes", h: writeBytes(longHTML(600))},
		{name: "text 2100 bytes", h: writeBytes(longText(2100)), keepAlive: true},
		{name: "HTML 4200 bytes", h: writeBytes(longHTML(4200)), after: true},
		{name: "text 64 KiB", h: writeBytes(longText(64 << 10)), keepAlive: true},
		{name: "text 511 bytes", h: writeBytes(longText(511))},
		{name: "text 512 bytes", h: writeBytes(longText(512))},
		{name: "text 513 bytes", h: writeBytes(longText(513))},
		{name: "512 text bytes then a NUL", h: writeBytes(longText(512) + "\x00")},
		{name: "511 text bytes then a NUL", h: writeBytes(longText(511) + "\x00")},

		// Many small writes across the sniffing window.
		{name: "HTML in 1-byte writes", h: writeIn(1, htmlDoc), after: true, keepAlive: true},
		{name: "100 writes of 7 bytes", h: writeIn(7, strings.Repeat(sevenBytes, 100))},
		{name: "PNG in 1-byte writes", h: writeIn(1, pngBody), after: true},
		{name: "UTF-16BE BOM in 1-byte writes", h: writeIn(1, utf16BEBody)},
		{name: "text then binary in 1-byte writes", h: writeIn(1, textThenBin)},
		{name: "binary after 3 text bytes in one write each", h: writeIn(3, "abc\x00\x01\x02\x03")},
		{name: "fmt.Fprintf of many values", h: func(w http.ResponseWriter, r *http.Request) {
			for i := range 200 {
				fmt.Fprintf(w, "%d,", i)
			}
		}},
		{name: "io.WriteString (StringWriter), short", h: write(htmlBody)},
		{name: "io.WriteString (StringWriter), 2100 bytes", h: write(longText(2100)), after: true, keepAlive: true},
		{name: "io.WriteString (StringWriter), 4200 bytes", h: write(longHTML(4200))},
		{name: "io.WriteString (StringWriter), 64 KiB", h: write(longText(64 << 10))},
		{name: "json.Encoder", h: func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(map[string]any{"dog": "rex", "tags": []string{"a", "b"}})
		}},

		// HEAD.
		{name: "HEAD, handler writes a body", method: "HEAD", h: write(htmlBody), after: true, keepAlive: true, headBody: len(htmlBody)},
		{name: "HEAD, handler writes a long body", method: "HEAD", h: write(longText(5000)), headBody: 5000},
		{name: "HEAD, handler writes nothing", method: "HEAD", h: func(w http.ResponseWriter, r *http.Request) {}},
		{name: "HEAD, Content-Type and Content-Length set", method: "HEAD", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
			w.Header().Set("Content-Length", "1234")
		}},

		// Statuses without a body.
		{name: "204", h: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }},
		{name: "204 with an attempted body", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
			io.WriteString(w, textBody)
		}, after: true, keepAlive: true},
		{name: "204 with a Content-Type", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNoContent)
		}},
		{name: "304", h: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) }},
		{name: "304 with an attempted body", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotModified)
			io.WriteString(w, htmlBody)
		}, keepAlive: true},
		{name: "304 with a Content-Type", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusNotModified)
		}, after: true},

		// Headers that change sniffing.
		{name: "Content-Encoding gzip, no Content-Type", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			io.WriteString(w, gz)
		}},
		{name: "Content-Encoding identity, text body, no Content-Type", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "identity")
			io.WriteString(w, textBody)
		}, after: true},
		{name: "X-Content-Type-Options nosniff, no Content-Type", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Content-Type-Options", "nosniff")
			io.WriteString(w, htmlBody)
		}},
		{name: "Content-Type nil suppresses sniffing", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			io.WriteString(w, htmlBody)
		}, after: true},
		{name: "Content-Type empty string", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = []string{""}
			io.WriteString(w, htmlBody)
		}},

		// Content-Type set by the handler.
		{name: "Content-Type set", h: withCT("text/html; charset=utf-8", htmlBody), after: true, keepAlive: true},
		{name: "Content-Type without charset", h: withCT("application/json", jsonBody)},
		{name: "Content-Type quoted charset", h: withCT(`text/plain; charset="ISO-8859-1"`, textBody)},
		{name: "Content-Type charset without space, upper case", h: withCT("text/plain;CHARSET=Shift_JIS", textBody)},
		{name: "Content-Type charset as second parameter", h: withCT("text/plain; format=flowed; charset=us-ascii", textBody)},
		{name: "two Content-Type values", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = []string{"text/plain; charset=koi8-r", "text/html; charset=utf-8"}
			io.WriteString(w, textBody)
		}},
		{name: "Content-Type set after the first Write", h: func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "\x00binary first")
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}},

		// Flushing.
		{name: "Flush before the first write", h: func(w http.ResponseWriter, r *http.Request) {
			flush(w)
			io.WriteString(w, htmlBody)
		}, streamed: true, after: true, keepAlive: true},
		{name: "Flush after a few bytes then more", h: func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<html><body>")
			flush(w)
			io.WriteString(w, longText(1000)+"</body></html>")
		}, streamed: true},
		{name: "Flush after 1-byte writes of a PNG", h: func(w http.ResponseWriter, r *http.Request) {
			for i := range 4 {
				w.Write([]byte{pngBody[i]})
			}
			flush(w)
			io.WriteString(w, pngBody[4:])
		}, streamed: true},
		{name: "ResponseController Flush between writes", h: func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			for range 3 {
				io.WriteString(w, "event: tick\n\n")
				if err := rc.Flush(); err != nil {
					io.WriteString(w, "flush: "+err.Error())
				}
			}
		}, streamed: true, after: true},
		{name: "ResponseController SetWriteDeadline then a body", h: func(w http.ResponseWriter, r *http.Request) {
			if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(ioTimeout)); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			io.WriteString(w, htmlBody)
		}, after: true},
		{name: "Flush with a Content-Length", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(htmlBody)))
			io.WriteString(w, htmlBody[:10])
			flush(w)
			io.WriteString(w, htmlBody[10:])
		}, streamed: true},

		// Statuses and late headers.
		{name: "WriteHeader(404) then a body without Content-Type", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, htmlBody)
		}, after: true},
		// net/http (Go 1.26, both protocols) sends neither late header: the
		// HTTP/1 server's first Header() call after WriteHeader snapshots
		// the header as it was, and the HTTP/2 server snapshots it in
		// WriteHeader. A middleware that calls Header() before WriteHeader
		// must leave that so.
		{name: "WriteHeader(200) then the first Header() call sets a header", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			w.Header().Set("X-Late", "set after WriteHeader")
			w.Header().Set("Content-Type", "text/plain; charset=late")
			io.WriteString(w, textBody)
		}, after: true},
		{name: "Header() before WriteHeader(200), set after it", h: func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			w.WriteHeader(http.StatusOK)
			h.Set("X-Late", "set after WriteHeader")
			io.WriteString(w, textBody)
		}},
		{name: "WriteHeader twice", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, textBody)
		}},
		{name: "WriteHeader(999)", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(999)
			io.WriteString(w, textBody)
		}},
		{name: "103 Early Hints then 200", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</style.css>; rel=preload; as=style")
			w.WriteHeader(http.StatusEarlyHints)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, htmlBody)
		}, after: true},
		{name: "103 Early Hints then a sniffed body", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</style.css>; rel=preload; as=style")
			w.WriteHeader(http.StatusEarlyHints)
			writeIn(1, pngBody)(w, r)
		}},
		{name: "Connection: close set by the handler", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			io.WriteString(w, textBody)
		}, keepAlive: true},
		{name: "20 KB of response headers", h: func(w http.ResponseWriter, r *http.Request) {
			for i := range 20 {
				w.Header().Set(fmt.Sprintf("X-Big-%02d", i), strings.Repeat("v", 1000))
			}
			io.WriteString(w, textBody)
		}},

		// Framing set by the handler.
		{name: "Transfer-Encoding chunked set by the handler", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Transfer-Encoding", "chunked")
			io.WriteString(w, htmlBody)
		}, after: true},
		{name: "Transfer-Encoding identity set by the handler", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Transfer-Encoding", "identity")
			io.WriteString(w, textBody)
		}},
		{name: "Content-Length right", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(htmlBody)))
			io.WriteString(w, htmlBody)
		}, keepAlive: true},
		{name: "Content-Length too short, one write", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, textBody)
		}, keepAlive: true},
		{name: "Content-Length too short, two writes", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, textBody[:5])
			io.WriteString(w, textBody[5:])
		}, after: true},
		{name: "Content-Length too long", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, textBody)
		}},

		// Trailers.
		{name: "trailer declared with the Trailer header", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Checksum")
			io.WriteString(w, trailerBody)
			w.Header().Set("X-Checksum", "abc123")
		}, after: true},
		{name: "trailer with http.TrailerPrefix", h: func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, trailerBody)
			w.Header().Set(http.TrailerPrefix+"X-Checksum", "abc123")
		}},

		// io.Copy: sendfile through io.ReaderFrom, and other readers.
		{name: "io.Copy from a small file", h: copyFile(smallFile, false)},
		{name: "io.Copy from a small file with Content-Length", h: copyFile(smallFile, true)},
		{name: "io.Copy from a 3000-byte file", h: copyFile(largeFile, false), after: true, keepAlive: true},
		{name: "io.Copy from a 3000-byte file with Content-Length", h: copyFile(largeFile, true), after: true},
		{name: "io.Copy from a 64 KiB file with Content-Length", h: copyFile(hugeFile, true)},
		{name: "io.Copy from a small io.Reader", h: copyReader(htmlBody)},
		{name: "io.Copy from a 3000-byte io.Reader", h: copyReader(longText(3000)), after: true, keepAlive: true},
		{name: "io.Copy from a 3000-byte io.Reader, PNG", h: copyReader(pngBody + longText(3000))},

		// The standard library's own handlers.
		{name: "http.ServeContent, unknown extension", h: serveContent, after: true},
		{name: "http.ServeContent, Range", reqHeader: []string{"Range: bytes=5-20"}, h: serveContent},
		{name: "http.ServeContent, If-Modified-Since", reqHeader: []string{"If-Modified-Since: " + modTime.Format(http.TimeFormat)}, h: serveContent},
		{name: "http.ServeFile, unknown extension", h: func(w http.ResponseWriter, r *http.Request) {
			http.ServeFile(w, r, unknownFile)
		}, keepAlive: true},
		{name: "http.Error", h: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no such dog", http.StatusNotFound)
		}, after: true},
		{name: "http.Redirect", h: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}},

		// Panics.
		{name: "panic(http.ErrAbortHandler) after a write", h: func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, textBody)
			panic(http.ErrAbortHandler)
		}, panics: "abort", after: true},
		{name: "panic(http.ErrAbortHandler) after a flush", h: func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, textBody)
			flush(w)
			panic(http.ErrAbortHandler)
		}, panics: "abort", streamed: true},
		{name: "panic(http.ErrAbortHandler) before a write", h: func(w http.ResponseWriter, r *http.Request) {
			panic(http.ErrAbortHandler)
		}, panics: "abort"},
		// net/http holds 2048 body bytes over HTTP/1 and 4096 over HTTP/2
		// before it sends the header: after 3000 bytes an abort leaves an
		// HTTP/1 client with a truncated response and an HTTP/2 client with
		// none; after 5000, both have one.
		{name: "panic(http.ErrAbortHandler) after 3000 bytes", h: func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, longText(3000))
			panic(http.ErrAbortHandler)
		}, panics: "abort"},
		{name: "panic(http.ErrAbortHandler) after 5000 bytes in 100-byte writes", h: func(w http.ResponseWriter, r *http.Request) {
			writeIn(100, longText(5000))(w, r)
			panic(http.ErrAbortHandler)
		}, panics: "abort"},
		// io.Copy reaches HTTP/1's ReadFrom, which sends the header after
		// the first 512 bytes to switch to sendfile; HTTP/2 buffers them.
		{name: "panic(http.ErrAbortHandler) after io.Copy of 600 bytes", h: func(w http.ResponseWriter, r *http.Request) {
			io.Copy(w, justReader{strings.NewReader(longText(600))})
			panic(http.ErrAbortHandler)
		}, panics: "abort"},
		{name: "panic after a short write", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, "partial")
			panic("boom")
		}, panics: "string", unanswered: http.StatusInternalServerError},
		{name: "panic before a write", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			panic("boom")
		}, panics: "string", unanswered: http.StatusInternalServerError},
		{name: "panic after a flush", h: func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, textBody)
			flush(w)
			panic("boom")
		}, panics: "string", streamed: true},

		// Request bodies.
		{name: "POST, handler echoes the body", method: "POST", reqBody: jsonBody, h: func(w http.ResponseWriter, r *http.Request) {
			io.Copy(w, r.Body)
		}, after: true, keepAlive: true},
		{name: "POST, ResponseController EnableFullDuplex, handler echoes the body", method: "POST", reqBody: longText(3000), h: func(w http.ResponseWriter, r *http.Request) {
			// HTTP/2 is full duplex already and says so with an error.
			err := http.NewResponseController(w).EnableFullDuplex()
			fmt.Fprintf(w, "full duplex: %v\n", err)
			io.Copy(w, r.Body)
		}, after: true},
		{name: "POST, handler ignores the body", method: "POST", reqBody: longText(3000), h2HoldBody: true, h: write(textBody), keepAlive: true},
		{name: "POST with Expect: 100-continue, handler reads the body", method: "POST", reqBody: jsonBody,
			reqHeader: []string{"Expect: 100-continue"}, h: func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				fmt.Fprintf(w, "read %d bytes", len(b))
			}},
		{name: "POST with Expect: 100-continue, handler ignores the body", method: "POST", reqBody: jsonBody,
			reqHeader: []string{"Expect: 100-continue"}, h: write(textBody)},

		// Hijacking (HTTP/1.1 only).
		{name: "hijacked upgrade", noClose: true, reqHeader: []string{"Connection: Upgrade", "Upgrade: wiretest"}, hijacks: true,
			h: func(w http.ResponseWriter, r *http.Request) {
				c, rw, err := http.NewResponseController(w).Hijack()
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				defer c.Close()
				rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: wiretest\r\nConnection: Upgrade\r\n\r\nraw bytes after the upgrade")
				rw.Flush()
			}},
	}
}
