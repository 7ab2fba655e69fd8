package wiretest_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ioTimeout bounds every connection of these tests.
const ioTimeout = 10 * time.Second

// exchange is what one client saw of one server: the transcript compared
// between the two servers, and the responses it parsed, for the metrics.
type exchange struct {
	transcript []string // compared line by line; Date values masked
	responses  []response
	requests   int // requests that reached the server's handler
}

// response is one final response as the client received it.
type response struct {
	status      int
	contentType string
	hasCT       bool
	bodyBytes   int64
}

// h1Request renders the request s makes, with Connection: close when last.
func h1Request(s *shape, last bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: wire.test\r\n", s.requestMethod(), s.requestPath())
	for _, h := range s.reqHeader {
		b.WriteString(h + "\r\n")
	}
	if s.reqBody != "" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(s.reqBody))
	}
	if last && !s.noClose {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	if !s.expectsContinue() {
		b.WriteString(s.reqBody)
	}
	return b.Bytes()
}

// h1Exchange sends n requests (1, or 2 on one kept-alive connection, the
// last with Connection: close), parses each response as it arrives, then
// reads until the server closes the connection.
func h1Exchange(addr string, s *shape, n int) exchange {
	var ex exchange
	var notes []string
	conn, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return exchange{transcript: []string{"dial: " + err.Error()}}
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		notes = append(notes, "deadline: "+err.Error())
	}
	var raw bytes.Buffer
	br := bufio.NewReader(io.TeeReader(conn, &raw))
	for i := range n {
		last := i == n-1
		req := h1Request(s, last)
		if _, err := conn.Write(req); err != nil {
			notes = append(notes, fmt.Sprintf("request %d: write: %s", i+1, closedClass(err)))
			break
		}
		sendBody := func() {
			if s.expectsContinue() {
				if _, err := io.WriteString(conn, s.reqBody); err != nil {
					notes = append(notes, fmt.Sprintf("request %d: writing the body: %s", i+1, closedClass(err)))
				}
			}
		}
		resp, closing, note := h1ReadResponse(br, s.requestMethod(), sendBody)
		if note != "" {
			notes = append(notes, fmt.Sprintf("request %d: %s", i+1, note))
		}
		if resp == nil {
			// A first request reaches the handler; a later one without
			// a response found the connection closed.
			if i == 0 {
				ex.requests++
			}
			break
		}
		ex.requests++
		ex.responses = append(ex.responses, *resp)
		switch {
		case last:
		case closing:
			// Writing more would race the server's close.
			notes = append(notes, fmt.Sprintf("request %d: the response says Connection: close", i+1))
		case note != "":
			// The body was cut: the connection cannot carry another.
		default:
			continue
		}
		break
	}
	// Everything else the server sends, until it closes. A reset is a
	// close too: whether the kernel reports EOF or a reset after the
	// server closed with unread bytes is a matter of timing.
	if _, err := io.Copy(io.Discard, br); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		notes = append(notes, "reading to EOF: "+errClass(err))
	}
	ex.transcript = append(h1Lines(maskDate(raw.Bytes())), notes...)
	return ex
}

// h1ReadResponse reads informational responses, then one final response
// and its body; it returns nil when no final response arrived, and whether
// the response announced that the server closes the connection. It calls
// onContinue when 100 Continue arrives.
func h1ReadResponse(br *bufio.Reader, method string, onContinue func()) (*response, bool, string) {
	req := &http.Request{Method: method}
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, false, "no response: " + closedClass(err)
		}
		if resp.StatusCode >= 100 && resp.StatusCode <= 199 && resp.StatusCode != http.StatusSwitchingProtocols {
			resp.Body.Close()
			if resp.StatusCode == http.StatusContinue {
				onContinue()
			}
			continue
		}
		r := &response{status: resp.StatusCode}
		if ct, ok := resp.Header["Content-Type"]; ok {
			r.hasCT = true
			if len(ct) > 0 {
				r.contentType = ct[0]
			}
		}
		var note string
		if resp.StatusCode != http.StatusSwitchingProtocols {
			r.bodyBytes, err = io.Copy(io.Discard, resp.Body)
			if err != nil {
				note = "body: " + errClass(err)
			}
		}
		resp.Body.Close()
		return r, resp.Close, note
	}
}

var dateRE = regexp.MustCompile(`(?i)(\r\nDate: )[^\r\n]*`)

// maskDate replaces the value of every Date header line.
func maskDate(b []byte) []byte {
	return dateRE.ReplaceAll(b, []byte("${1}<masked>"))
}

// h1Lines splits a byte stream into lines ending in "\n", each quoted, and
// long lines into quoted pieces of 64 bytes, so that a diff shows where two
// streams part.
func h1Lines(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n') + 1
		if i == 0 {
			i = len(b)
		}
		line := b[:i]
		b = b[i:]
		for len(line) > 64 {
			out = append(out, strconv.Quote(string(line[:64]))+" …")
			line = line[64:]
		}
		out = append(out, strconv.Quote(string(line)))
	}
	if len(out) == 0 {
		out = append(out, "(nothing received)")
	}
	return out
}

// closedClass is errClass, with the ways a connection the server closed
// can show (EOF, a reset, a broken pipe) named alike.
func closedClass(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return "connection closed"
	}
	return errClass(err)
}

// errClass names an error without the addresses and ports that differ
// between two servers.
func errClass(err error) string {
	switch {
	case err == nil:
		return "no error"
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected EOF"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EPIPE):
		return "broken pipe"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	}
	var ne *net.OpError
	if errors.As(err, &ne) {
		return ne.Op + ": " + errClass(ne.Err)
	}
	return strings.TrimSpace(err.Error())
}
