package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// WebSocket defaults shared by the job stream, the live rooms and the
// session-event ingest.
const (
	// wsSendBuffer is the number of messages queued for one client; a client
	// that falls further behind is disconnected ("too slow").
	wsSendBuffer = 256
	// wsPingEvery is how often an idle connection is pinged.
	wsPingEvery = 30 * time.Second
	// wsWriteTimeout bounds one write, ping round trip included.
	wsWriteTimeout = 10 * time.Second
)

// wsClose is the reason a connection is closed by the server: the status
// code and text sent in the close frame.
type wsClose struct {
	code   websocket.StatusCode
	reason string
}

func (e *wsClose) Error() string { return e.reason }

// The reasons the server closes a connection.
var (
	errWSTooSlow  = &wsClose{websocket.StatusPolicyViolation, "too slow: send buffer full"}
	errWSShutdown = &wsClose{websocket.StatusGoingAway, "server shutting down"}
)

// wsConn is one accepted WebSocket connection with a bounded queue of
// outgoing messages, written by its own goroutine (writeLoop), while the
// handler's goroutine reads (readLoop). Messages are shared, already
// marshalled byte slices that nobody modifies.
type wsConn struct {
	conn   *websocket.Conn
	send   chan []byte
	ctx    context.Context // ends when the connection must close; its cause says why
	cancel context.CancelCauseFunc
	// writes bounds the writes: it ends on a drop, not on shutdown, so that
	// a shutdown lets the write under way finish and then closes gracefully.
	// (coder/websocket closes the connection at once when the context of a
	// write ends, even just after the frame was flushed.)
	writes      context.Context
	abortWrites context.CancelFunc
	gone        atomic.Bool   // set once the connection is being dropped
	done        chan struct{} // closed when writeLoop has closed the connection
}

func newWSConn(parent context.Context, c *websocket.Conn, buffer int) *wsConn {
	if buffer <= 0 {
		buffer = wsSendBuffer
	}
	ctx, cancel := context.WithCancelCause(parent)
	writes, abort := context.WithCancel(context.WithoutCancel(parent))
	return &wsConn{
		conn: c, send: make(chan []byte, buffer), ctx: ctx, cancel: cancel,
		writes: writes, abortWrites: abort, done: make(chan struct{}),
	}
}

// enqueue queues msg without ever blocking: a client whose buffer is full
// is dropped. It reports whether msg was queued.
func (w *wsConn) enqueue(msg []byte) bool {
	if w.gone.Load() {
		return false
	}
	select {
	case w.send <- msg:
		return true
	default:
		w.drop(errWSTooSlow)
		return false
	}
}

// drop ends the connection for cause (the first cause wins).
// A write under way is abandoned: the client is gone or not reading.
func (w *wsConn) drop(cause error) {
	w.gone.Store(true)
	w.cancel(cause)
	w.abortWrites()
}

// writeLoop writes queued messages and pings every ping interval until
// the connection's context ends or a write fails, then closes the
// connection: with the status of a *wsClose cause, at once otherwise.
func (w *wsConn) writeLoop(ping time.Duration) {
	defer close(w.done)
	defer w.abortWrites()
	if ping <= 0 {
		ping = wsPingEvery
	}
	t := time.NewTicker(ping)
	defer t.Stop()
	for {
		select {
		case <-w.ctx.Done():
			w.closeConn(context.Cause(w.ctx))
			return
		case msg := <-w.send:
			// A drop during a write (the client stopped reading and its
			// buffer filled up) closes the connection at once.
			ctx, cancel := context.WithTimeout(w.writes, wsWriteTimeout)
			err := w.conn.Write(ctx, websocket.MessageText, msg)
			cancel()
			if err != nil {
				w.drop(err)
			}
		case <-t.C:
			ctx, cancel := context.WithTimeout(w.writes, wsWriteTimeout)
			err := w.conn.Ping(ctx)
			cancel()
			if err != nil {
				w.drop(err)
			}
		}
	}
}

func (w *wsConn) closeConn(cause error) {
	var wc *wsClose
	if errors.As(cause, &wc) {
		_ = w.conn.Close(wc.code, wc.reason)
		return
	}
	_ = w.conn.CloseNow()
}

// readLoop passes every message read to handle until the connection ends,
// then drops the connection with the read error. The reads are not tied to
// w.ctx, so that a drop closes the connection gracefully (writeLoop does).
func (w *wsConn) readLoop(handle func([]byte)) {
	for {
		_, data, err := w.conn.Read(context.Background())
		if err != nil {
			w.drop(err)
			return
		}
		if w.gone.Load() {
			continue // being dropped: drain until closed, act on nothing
		}
		handle(data)
	}
}

// run serves the connection: writeLoop in a goroutine, readLoop in this
// one; it returns once the connection is closed and both have stopped.
func (w *wsConn) run(ping time.Duration, handle func([]byte)) {
	go w.writeLoop(ping)
	w.readLoop(handle)
	<-w.done
}

// wsGroup tracks the connections of one hub so that its stop function can
// close them all and wait for their handlers to return.
type wsGroup struct {
	ctx    context.Context // parent of every connection's context
	cancel context.CancelCauseFunc

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func newWSGroup() *wsGroup {
	ctx, cancel := context.WithCancelCause(context.Background())
	return &wsGroup{ctx: ctx, cancel: cancel}
}

// enter registers a connection handler; false once the group is closed.
// Every successful enter must be followed by leave.
func (g *wsGroup) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	return true
}

func (g *wsGroup) leave() { g.wg.Done() }

// shutdown closes every connection (going away) and refuses new ones.
func (g *wsGroup) shutdown() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.cancel(errWSShutdown)
}

// wait waits for every connection handler to return.
func (g *wsGroup) wait() { g.wg.Wait() }

// acceptOptions are the WebSocket accept options of the server: origins as
// configured for CORS (any origin by default, since no cookies are used),
// no subprotocol, no compression.
func (s *Server) acceptOptions() *websocket.AcceptOptions {
	opts := &websocket.AcceptOptions{}
	for _, o := range s.cfg.AllowedOrigins {
		if o == "*" {
			opts.InsecureSkipVerify = true
			return opts
		}
		if u, err := url.Parse(strings.TrimRight(o, "/")); err == nil && u.Host != "" {
			opts.OriginPatterns = append(opts.OriginPatterns, u.Scheme+"://"+u.Host)
		} else {
			opts.OriginPatterns = append(opts.OriginPatterns, o)
		}
	}
	if len(s.cfg.AllowedOrigins) == 0 {
		opts.InsecureSkipVerify = true
	}
	return opts
}

// accept upgrades r after checking that g still takes connections; on
// false the response is written and the caller returns. On true the
// caller must call g.leave when done.
func (s *Server) accept(g *wsGroup, w http.ResponseWriter, r *http.Request, readLimit int64) (*websocket.Conn, bool) {
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
		w.Header().Set("Upgrade", "websocket")
		s.writeProblem(w, r, http.StatusUpgradeRequired, "this is a WebSocket endpoint: send a WebSocket upgrade request")
		return nil, false
	}
	if !g.enter() {
		s.writeProblem(w, r, http.StatusServiceUnavailable, "server shutting down")
		return nil, false
	}
	hw := &handshakeWriter{ResponseWriter: w}
	c, err := websocket.Accept(hw, r, s.acceptOptions())
	if err != nil {
		g.leave()
		s.log.DebugContext(r.Context(), "websocket accept failed", "path", r.URL.Path, "err", err)
		if !hw.upgraded {
			// The library answered in plain text; every error here is a
			// problem (API.md), with the status it chose.
			status := hw.status
			if status < 400 {
				status = http.StatusBadRequest
			}
			s.writeProblem(w, r, status, "WebSocket handshake refused: "+strings.TrimPrefix(err.Error(), "failed to accept WebSocket connection: "))
		}
		return nil, false
	}
	c.SetReadLimit(readLimit)
	return c, true
}

// handshakeWriter holds back the error response websocket.Accept writes
// (text/plain) so that accept can answer with a problem instead; the
// 101 of an upgrade, and the hijack after it, go through.
type handshakeWriter struct {
	http.ResponseWriter
	status   int  // an error status the library wrote, held back
	upgraded bool // the 101 went through
}

func (h *handshakeWriter) WriteHeader(code int) {
	if code == http.StatusSwitchingProtocols {
		h.upgraded = true
		h.ResponseWriter.WriteHeader(code)
		return
	}
	h.status = code
}

func (h *handshakeWriter) Write(p []byte) (int, error) {
	if h.upgraded {
		return h.ResponseWriter.Write(p)
	}
	return len(p), nil // the library's error text: replaced by a problem
}

// Unwrap lets the library find the connection's http.Hijacker.
func (h *handshakeWriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// headerHasToken reports whether the comma-separated header name holds
// token, ignoring case.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
