// Package wiretest proves that stackprom's HTTP middleware is invisible on
// the wire and that what it records is what the client received.
//
// For every handler shape of a corpus (bodies with and without a
// Content-Type, content sniffing across the 512-byte window in one write
// and in many, HEAD, 204 and 304, Content-Encoding, nosniff, suppressed
// sniffing, flushing, late headers, Transfer-Encoding and Content-Length
// set by the handler, trailers, 103 Early Hints, io.Copy from files and
// from other readers, ServeContent and ServeFile, http.Error, panics and
// aborts, hijacking, 100-continue, large headers, …), the tests start one
// real server on loopback serving the plain handler and one serving the
// same handler through httpmetrics' Instrument (and, for a subset, After),
// then talk to both with raw clients:
//
//   - HTTP/1.1 over a TCP connection: a fixed request with
//     "Connection: close", everything read until EOF; and, for a subset,
//     two requests on one kept-alive connection. The two byte streams must
//     be identical, with only the value of the Date header masked.
//   - HTTP/2 with prior knowledge (h2c): the preface, SETTINGS and one
//     request on stream 1 written with golang.org/x/net/http2's Framer;
//     the frames of stream 1 (type, flags, the HPACK-decoded field list in
//     order, DATA payloads, RST_STREAM codes) and every GOAWAY must be the
//     same.
//
// Then the instrumented server's registry must agree with what its client
// received: one response per status received, the charset of the
// Content-Type received (read as Django reads it: the value after
// "charset=" among the parameters; none counts nothing), the response body
// bytes received (or the streaming counter for a response flushed before
// its end), and the request body bytes the handler read.
//
// A failure prints both sides as a quoted line diff; -wire.show logs what
// the plain server sent in every case:
//
//	go test ./test/wiretest -run 'TestWire/HEAD' -v -args -wire.show
package wiretest
