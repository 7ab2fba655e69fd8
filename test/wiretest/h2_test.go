package wiretest_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Exchange sends s's request on stream 1 of an h2c connection with prior
// knowledge and records every frame the server sends on stream 1, and
// every GOAWAY. Once stream 1 has ended (END_STREAM or RST_STREAM), it
// sends a PING and reads on until the server acknowledges it: the server
// queues what it sends after END_STREAM (a RST_STREAM closing the
// client's half) before it reads the PING, so those frames are seen too.
func h2Exchange(addr string, s *shape) exchange {
	var ex exchange
	var lines, goaways []string
	note := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	conn, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return exchange{transcript: []string{"dial: " + err.Error()}}
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		note("deadline: %v", err)
	}
	fr := http2.NewFramer(conn, conn)
	fr.MaxHeaderListSize = 1 << 20
	// A window large enough for every body of the corpus, so that the
	// client never has to send WINDOW_UPDATE.
	const window = 1 << 30
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	fields := []hpack.HeaderField{
		{Name: ":method", Value: s.requestMethod()},
		{Name: ":scheme", Value: "http"},
		{Name: ":authority", Value: "wire.test"},
		{Name: ":path", Value: s.requestPath()},
	}
	for _, h := range s.reqHeader {
		name, value, _ := strings.Cut(h, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "connection" || name == "upgrade" {
			continue // connection-specific, not allowed in HTTP/2
		}
		fields = append(fields, hpack.HeaderField{Name: name, Value: strings.TrimSpace(value)})
	}
	if s.reqBody != "" {
		fields = append(fields, hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(len(s.reqBody))})
	}
	for _, f := range fields {
		if err := enc.WriteField(f); err != nil {
			note("hpack: %v", err)
		}
	}
	err = writeAll(
		func() error { _, err := io.WriteString(conn, http2.ClientPreface); return err },
		func() error {
			return fr.WriteSettings(
				http2.Setting{ID: http2.SettingEnablePush, Val: 0},
				http2.Setting{ID: http2.SettingInitialWindowSize, Val: window})
		},
		func() error { return fr.WriteWindowUpdate(0, window-65535) },
		func() error {
			return fr.WriteHeaders(http2.HeadersFrameParam{
				StreamID: 1, BlockFragment: hb.Bytes(), EndStream: s.reqBody == "", EndHeaders: true})
		},
		func() error {
			if s.reqBody == "" || s.expectsContinue() || s.h2HoldBody {
				return nil
			}
			return fr.WriteData(1, true, []byte(s.reqBody))
		},
	)
	if err != nil {
		note("writing the request: %s", errClass(err))
		return exchange{transcript: lines}
	}
	ex.requests = 1

	dec := hpack.NewDecoder(4096, nil)
	dec.SetMaxStringLength(1 << 20)
	var block []byte // the header block being read (HEADERS, CONTINUATION…)
	var blockEnd bool
	var cur *response
	streamDone, pinged, ponged := false, false, false
	ping := [8]byte{'w', 'i', 'r', 'e', 't', 'e', 's', 't'}
	endStream := func() {
		streamDone = true
		if cur != nil {
			ex.responses = append(ex.responses, *cur)
			cur = nil
		}
		if err := fr.WritePing(false, ping); err != nil {
			note("writing PING: %s", errClass(err))
			return
		}
		pinged = true
	}
	// headerBlock decodes a complete header block of stream 1.
	headerBlock := func() {
		hfs, err := dec.DecodeFull(block)
		block = block[:0]
		if err != nil {
			note("  hpack: %v", err)
			return
		}
		status := -1
		for _, hf := range hfs {
			v := hf.Value
			if hf.Name == "date" {
				v = "<masked>"
			}
			note("  %s: %s", hf.Name, strconv.Quote(v))
			if hf.Name == ":status" {
				status, _ = strconv.Atoi(hf.Value)
			}
		}
		switch {
		case status < 0: // trailers
		case status == 100:
			if s.expectsContinue() {
				if err := fr.WriteData(1, true, []byte(s.reqBody)); err != nil {
					note("writing the body: %s", errClass(err))
				}
			}
		case status >= 100 && status <= 199 && status != 101:
		default:
			cur = &response{status: status}
			for _, hf := range hfs {
				if hf.Name == "content-type" && !cur.hasCT {
					cur.hasCT, cur.contentType = true, hf.Value
				}
			}
		}
	}
	for !ponged {
		f, err := fr.ReadFrame()
		if err != nil {
			note("reading: %s", errClass(err))
			break
		}
		h := f.Header()
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if err := fr.WriteSettingsAck(); err != nil {
					note("writing SETTINGS ack: %s", errClass(err))
				}
			}
			continue
		case *http2.PingFrame:
			if !f.IsAck() {
				if err := fr.WritePing(true, f.Data); err != nil {
					note("writing PING ack: %s", errClass(err))
				}
			} else if pinged && f.Data == ping {
				ponged = true
			}
			continue
		case *http2.WindowUpdateFrame:
			continue
		case *http2.GoAwayFrame:
			goaways = append(goaways, fmt.Sprintf("GOAWAY last=%d code=%v debug=%q", f.LastStreamID, f.ErrCode, f.DebugData()))
			if !streamDone && f.LastStreamID < 1 {
				note("stream 1 refused")
				endStream()
			}
			continue
		}
		if h.StreamID != 1 {
			note("%v stream=%d flags=%v", h.Type, h.StreamID, h.Flags)
			continue
		}
		switch f := f.(type) {
		case *http2.HeadersFrame:
			note("HEADERS flags=%v", f.Flags)
			block = append(block, f.HeaderBlockFragment()...)
			blockEnd = f.StreamEnded()
			if f.HeadersEnded() {
				headerBlock()
				if blockEnd {
					endStream()
				}
			}
		case *http2.ContinuationFrame:
			note("CONTINUATION flags=%v", f.Flags)
			block = append(block, f.HeaderBlockFragment()...)
			if f.HeadersEnded() {
				headerBlock()
				if blockEnd {
					endStream()
				}
			}
		case *http2.DataFrame:
			data := f.Data()
			note("DATA flags=%v len=%d", f.Flags, len(data))
			for len(data) > 0 {
				n := min(len(data), 64)
				note("  %s", strconv.Quote(string(data[:n])))
				data = data[n:]
			}
			if cur != nil {
				cur.bodyBytes += int64(len(f.Data()))
			}
			if f.StreamEnded() {
				endStream()
			}
		case *http2.RSTStreamFrame:
			note("RST_STREAM code=%v", f.ErrCode)
			// A response whose header arrived counts as received, as it
			// does for HTTP/1.1 when the body is cut.
			if !streamDone {
				endStream()
			}
		default:
			note("%v flags=%v", h.Type, h.Flags)
		}
	}
	ex.transcript = append(lines, goaways...)
	return ex
}

func writeAll(fs ...func() error) error {
	for _, f := range fs {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}
