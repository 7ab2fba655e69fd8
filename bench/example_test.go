package bench

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom/stackpromtest"
)

// Example serves one request through each variant of BenchmarkHTTP
// (handler=ct), as the benchmark does, and prints what the client got.
func Example() {
	for _, im := range impls {
		reg := prometheus.NewRegistry()
		h := im.build(reg, app(), handlers[0])
		w := newSink()
		h.ServeHTTP(w, newRequest())
		recorded := "-"
		if im.check != "" {
			s, err := stackpromtest.Gather(reg)
			if err != nil {
				panic(err)
			}
			v, _ := s.Value(im.check, im.checkLabel)
			recorded = fmt.Sprint(v)
		}
		fmt.Printf("%-17s status %d, %d bytes, requests recorded: %s\n", im.name, w.status, w.n, recorded)
	}
	// Output:
	// none              status 200, 40 bytes, requests recorded: -
	// promhttp          status 200, 40 bytes, requests recorded: 1
	// gohttpmetrics     status 200, 40 bytes, requests recorded: 1
	// stackprom-default status 200, 40 bytes, requests recorded: 1
	// stackprom-django  status 200, 40 bytes, requests recorded: 1
	// floor             status 200, 40 bytes, requests recorded: 1
}
