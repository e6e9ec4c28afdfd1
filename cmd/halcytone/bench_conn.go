package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"time"
)

// requester sends a scenario's request once and reads the whole answer;
// body, when not nil, receives its first bytes.
type requester interface {
	do(ctx context.Context, body *[]byte) (int, error)
}

// connRequester is the lean client of --client conn: one keep-alive
// connection of its own, the request serialised once, answers read with
// http.ReadResponse in the calling goroutine. net/http's Transport hands
// every request between three goroutines (caller, writeLoop, readLoop); on
// a machine the tool shares with the server, those wake-ups cost about as
// much CPU as the server's own work on a cheap endpoint. Not safe for
// concurrent use: each worker has its own.
type connRequester struct {
	addr    string // host:port
	method  string
	raw     []byte // the serialised request
	bench   *httpBench
	rev     int // offset in raw of a unique scenario's request number; -1: none
	timeout time.Duration
	dialer  *net.Dialer

	conn net.Conn
	br   *bufio.Reader
	stop func() bool // ends the AfterFunc that unblocks conn when ctx ends
}

// newConnRequester serialises the scenario's request for target.
func newConnRequester(b *httpBench, timeout time.Duration) (*connRequester, error) {
	req, err := b.request(context.Background())
	if err != nil {
		return nil, err
	}
	var raw bytes.Buffer
	if err := req.Write(&raw); err != nil {
		return nil, err
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), map[string]string{"http": "80", "https": "443"}[req.URL.Scheme])
	}
	rev := -1
	if off := b.revisionAt(); off >= 0 {
		// The body ends the serialised request.
		rev = raw.Len() - len(b.sc.body) + off
	}
	return &connRequester{
		addr: addr, method: req.Method, raw: raw.Bytes(), bench: b, rev: rev, timeout: timeout,
		dialer: &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly},
	}, nil
}

func (c *connRequester) close() {
	if c.conn != nil {
		c.stop()
		_ = c.conn.Close()
		c.conn, c.br = nil, nil
	}
}

func (c *connRequester) do(ctx context.Context, body *[]byte) (int, error) {
	reused := c.conn != nil
	status, err := c.once(ctx, body)
	if err != nil && reused && ctx.Err() == nil {
		// The server may have closed an idle connection: one retry on a
		// new one, as net/http does for idempotent requests.
		return c.once(ctx, body)
	}
	return status, err
}

func (c *connRequester) once(ctx context.Context, body *[]byte) (int, error) {
	if c.conn == nil {
		conn, err := c.dialer.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return 0, err
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 32<<10)
		c.stop = context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	}
	if err := c.conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		c.close()
		return 0, err
	}
	if c.rev >= 0 {
		stamp(c.raw, c.rev, c.bench.seq.Add(1))
	}
	if _, err := c.conn.Write(c.raw); err != nil {
		c.close()
		return 0, err
	}
	resp, err := http.ReadResponse(c.br, &http.Request{Method: c.method})
	if err != nil {
		c.close()
		return 0, err
	}
	if body != nil {
		if *body, err = io.ReadAll(io.LimitReader(resp.Body, 2048)); err != nil {
			c.close()
			return resp.StatusCode, err
		}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.Close {
		c.close()
	}
	return resp.StatusCode, err
}
