package main

import (
	"net/http"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dogs/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("woof\n")) })
	mux.Handle("GET /metrics", stackprom.MustNewHandler())
	mux.Handle("GET /live", stackprom.MustNewLiveHandler())
	m := httpmetrics.MustNew(httpmetrics.WithExclude("/metrics", "/live"))
	http.ListenAndServe("127.0.0.1:8080", m.Instrument(mux))
}
