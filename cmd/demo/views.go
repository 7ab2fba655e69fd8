package main

import (
	"embed"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/stackprom/stackprom/httpmetrics"
)

//go:embed templates
var templateFS embed.FS

var templates = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// routes registers the views of django-prometheus's test app, each named.
func routes(mux *http.ServeMux) {
	mux.Handle("GET /{$}", httpmetrics.NamedFunc("index", index))
	mux.Handle("POST /{$}", httpmetrics.NamedFunc("index", index))
	mux.Handle("GET /help", httpmetrics.NamedFunc("help", help))
	mux.Handle("GET /slow", httpmetrics.NamedFunc("slow", slow))
	mux.Handle("GET /objection", httpmetrics.NamedFunc("objection", objection))
	mux.Handle("GET /file", httpmetrics.NamedFunc("file", file))
	mux.Handle("GET /download", httpmetrics.NamedFunc("download", download))
}

// index renders a template, and says so for the templatename family.
func index(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	httpmetrics.SetTemplate(w, "index.html")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := templates.ExecuteTemplate(w, "index.html", map[string]string{
		"Title": "stackprom", "Greeting": "Hello from the index.",
	}); err != nil {
		httpmetrics.ReportError(w, err)
	}
}

// help writes its page directly, as Django's render() shortcut does: no
// template response, so no templatename series.
func help(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, "<!doctype html><title>help</title><h1>Help</h1>\n"+
		strings.Repeat("<p>Every route of this demo is a named view.</p>\n", 8))
}

func slow(w http.ResponseWriter, r *http.Request) {
	select {
	case <-time.After(100 * time.Millisecond):
	case <-r.Context().Done():
	}
	io.WriteString(w, "that took a while\n")
}

// objectionError is the panic value of the objection view.
type objectionError struct{ reason string }

func (e objectionError) Error() string { return "objection: " + e.reason }

func objection(w http.ResponseWriter, r *http.Request) {
	panic(objectionError{"this view always objects"})
}

// file streams chunks, flushing each, as a FileResponse streams a file.
func file(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rc := http.NewResponseController(w)
	for i := 1; i <= 5; i++ {
		io.WriteString(w, strings.Repeat("chunk ", 100)+"\n")
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// download breaks off half-way, as httputil.ReverseProxy does when its
// backend fails mid-download: a 200 and part of the body, then
// http.ErrAbortHandler, which net/http answers by dropping the connection.
// It counts as a 200 and an abort, not an exception.
func download(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	io.WriteString(w, strings.Repeat("part of a file\n", 100))
	http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// recoverer answers 500 when a handler panics, as Django turns a view's
// exception into a 500 response. After, inside it, has recorded the panic
// before re-raising it. http.ErrAbortHandler is left to net/http.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
