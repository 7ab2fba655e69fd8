package httpmetrics_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// TestCountedCharsetIsTheOneSent serves handlers that name no Content-Type
// (and a few that do, or that turn net/http's detection off) over real
// HTTP/1.1 and HTTP/2 servers, and checks that the charset counted is the
// one of the Content-Type the client received: net/http detects the type
// from the first 512 body bytes written before a flush, whatever pieces
// they came in and however they were written.
func TestCountedCharsetIsTheOneSent(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "page")
	html := "\n\n  <html><body>" + strings.Repeat("a page ", 100) + "</body></html>"
	page := "\x01" + html // binary from its first byte, HTML from its second
	if err := os.WriteFile(file, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	copyFile := func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(file)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		io.Copy(w, f)
	}
	pieces := func(w http.ResponseWriter, body string, n int) {
		for i := 0; i < len(body); i += n {
			w.Write([]byte(body[i:min(i+n, len(body))]))
		}
	}
	binary := "GIF89a" + strings.Repeat("\x00\x01", 100)
	cases := map[string]http.HandlerFunc{
		"text": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "plain text\n") },
		"json": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"id":42}`)) },
		"binary": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(binary))
		},
		"binary in 1-byte writes": func(w http.ResponseWriter, r *http.Request) { pieces(w, binary, 1) },
		// "<" alone is text; "<html>" is HTML: only the whole window tells.
		"html in 1-byte writes": func(w http.ResponseWriter, r *http.Request) { pieces(w, html, 1) },
		"text, then binary after 512 bytes": func(w http.ResponseWriter, r *http.Request) {
			pieces(w, strings.Repeat("t", 512)+"\x00\x00", 7)
		},
		"text, then binary before 512 bytes": func(w http.ResponseWriter, r *http.Request) {
			pieces(w, strings.Repeat("t", 500)+"\x00\x00", 7)
		},
		"binary after a flush": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "text first")
			w.(http.Flusher).Flush()
			w.Write([]byte(binary))
		},
		"flush before the first write": func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			io.WriteString(w, "<html><body>late</body></html>")
		},
		"404 without a type": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "<html>gone</html>")
		},
		"header asked for, no type": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request", "1")
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte("\xFE\xFF\x00h\x00i"))
		},
		"type set": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=iso-8859-1")
			io.WriteString(w, "latin\n")
		},
		"type set after the status": func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			w.WriteHeader(http.StatusOK)
			h.Set("Content-Type", "text/plain; charset=iso-8859-1") // no effect
			io.WriteString(w, "text\n")
		},
		"detection suppressed": func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			io.WriteString(w, "text\n")
		},
		"content encoding": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "identity-ish")
			io.WriteString(w, "text\n")
		},
		"no content": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		},
		"copied from a file": copyFile,
		"copied from a reader": func(w http.ResponseWriter, r *http.Request) {
			io.Copy(w, struct{ io.Reader }{strings.NewReader(html + binary)})
		},
		"read from a strings.Reader": func(w http.ResponseWriter, r *http.Request) {
			src := strings.NewReader(page) // binary, unless the first byte is missed
			if rf, ok := w.(io.ReaderFrom); ok {
				rf.ReadFrom(src)
			} else {
				io.Copy(w, struct{ io.Reader }{src})
			}
		},
		"transfer encoding": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Transfer-Encoding", "chunked") // HTTP/1: no detection
			io.WriteString(w, "text\n")
		},
		"part of a file": func(w http.ResponseWriter, r *http.Request) {
			f, err := os.Open(file)
			if err != nil {
				t.Error(err)
				return
			}
			defer f.Close()
			f.Seek(1, io.SeekStart)
			io.CopyN(w, f, 300) // through an io.LimitedReader
		},
		"copied after some text": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "  ")
			copyFile(w, r)
		},
	}
	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		for name, h := range cases {
			t.Run(proto+"/"+name, func(t *testing.T) {
				reg := prometheus.NewRegistry()
				m := httpmetrics.MustNew(stackprom.WithRegisterer(reg))
				srv := startServer(t, proto, m.After(h))
				resp, err := srv.Client().Get(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if !strings.HasPrefix(resp.Proto, proto) {
					t.Fatalf("served over %s", resp.Proto)
				}
				want := ""
				if ct := resp.Header.Get("Content-Type"); ct != "" {
					if _, cs, ok := strings.Cut(ct, "charset="); ok {
						want = cs
					}
				}
				got := stackpromtest.LabelValues(t, reg, "http_responses_by_charset_total", "charset")
				switch {
				case want == "" && len(got) != 0:
					t.Errorf("Content-Type %q has no charset; counted %v", resp.Header.Get("Content-Type"), got)
				case want != "" && (len(got) != 1 || !got[want]):
					t.Errorf("Content-Type %q; counted %v", resp.Header.Get("Content-Type"), got)
				case want != "":
					stackpromtest.AssertValue(t, reg, 1, "http_responses_by_charset_total", L{"charset": want})
				}
			})
		}
	}
}
