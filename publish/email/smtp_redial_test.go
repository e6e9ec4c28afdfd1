package email_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish/email"
)

// messageIDs counts the messages received per Message-ID.
func messageIDs(msgs []received) map[string]int {
	n := map[string]int{}
	for _, m := range msgs {
		n[m.Msg.Header.Get("Message-ID")]++
	}
	return n
}

func TestSMTPRedialsWhenServerClosedPooledConnection(t *testing.T) {
	tests := []struct {
		name string
		cut  func(t *testing.T, srv *smtpServer)
	}{
		{"server restarted on the same address", func(t *testing.T, srv *smtpServer) { srv.restart(t) }},
		{"server dropped the idle connection", func(t *testing.T, srv *smtpServer) { srv.dropConnections() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSMTP(t)
			p := newSMTP(t, srv, func(c *email.SMTPConfig) { c.PoolSize = 1 })
			_, err := p.Publish(t.Context(), newsletterDelivery("First"))
			require.NoError(t, err)
			accepted, open := srv.connections()
			require.Equal(t, 1, accepted)
			require.Equal(t, 1, open, "the publisher keeps its connection between sends")

			tc.cut(t, srv)
			d := newsletterDelivery("Second")
			d.IdempotencyKey = "hc_second"
			r, err := p.Publish(t.Context(), d)
			require.NoError(t, err)
			assert.Equal(t, 3, r.Sent)

			msgs := srv.received()
			require.Len(t, msgs, 6)
			ids := messageIDs(msgs)
			for _, rc := range []string{"ada@example.com", "bob@example.com", "cy@example.com"} {
				assert.Equal(t, 1, ids["<"+p.MessageID(d.IdempotencyKey, rc)+">"], "%s reached exactly once", rc)
			}
			accepted, _ = srv.connections()
			assert.Equal(t, 2, accepted, "one redial")
		})
	}
}

// rawAction is what the scripted server does instead of answering a
// command normally.
type rawAction int

const (
	rawAnswer           rawAction = iota // answer normally
	rawCloseBeforeReply                  // close the connection without answering
	rawCloseAfterReply                   // answer, then close the connection
)

// rawSMTP is a scripted SMTP server speaking just enough of the protocol
// for go-mail, that breaks connections where its rule says. The rule gets
// the connection's number (from 1), the messages completed on it and the
// command ("MAIL", "RCPT", "DATA", "NOOP", "RSET", ... and "." for the
// end of a message's content).
type rawSMTP struct {
	rule func(conn, sent int, cmd string) rawAction
	l    net.Listener
	wg   sync.WaitGroup

	mu    sync.Mutex
	conns []net.Conn
	msgs  []string // the content of every message read to its final dot
}

func startRawSMTP(t *testing.T, rule func(conn, sent int, cmd string) rawAction) *rawSMTP {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &rawSMTP{rule: rule, l: l}
	s.wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			n := len(s.conns)
			s.mu.Unlock()
			s.wg.Go(func() { s.serve(n, c) })
		}
	})
	t.Cleanup(func() {
		_ = l.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			_ = c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *rawSMTP) serve(n int, c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	write := func(reply string) bool {
		_, err := io.WriteString(c, reply+"\r\n")
		return err == nil
	}
	// act answers cmd with reply, or breaks the connection as the rule
	// says; it reports whether to go on.
	sent := 0
	act := func(cmd, reply string) bool {
		switch s.rule(n, sent, cmd) {
		case rawCloseBeforeReply:
			return false
		case rawCloseAfterReply:
			write(reply)
			return false
		}
		return write(reply)
	}
	if !write("220 raw.test ESMTP") {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		cmd = strings.ToUpper(cmd)
		switch cmd {
		case "EHLO":
			if !write("250-raw.test\r\n250-8BITMIME\r\n250 PIPELINING") {
				return
			}
		case "HELO", "MAIL", "RCPT", "NOOP", "RSET":
			if !act(cmd, "250 OK") {
				return
			}
		case "DATA":
			if !act(cmd, "354 go ahead") {
				return
			}
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, msg.String())
			s.mu.Unlock()
			ok := act(".", "250 queued")
			sent++
			if !ok {
				return
			}
		case "QUIT":
			write("221 bye")
			return
		default:
			if !write("502 unknown command") {
				return
			}
		}
	}
}

// counts returns the connections accepted and the messages read to their
// final dot.
func (s *rawSMTP) counts() (conns, msgs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns), len(s.msgs)
}

func (s *rawSMTP) port() int { return s.l.Addr().(*net.TCPAddr).Port }

func TestSMTPConnectionBreaksMidSend(t *testing.T) {
	tests := []struct {
		name  string
		rule  func(conn, sent int, cmd string) rawAction
		class content.ErrorClass // "" for delivered
		sent  int                // recipients checkpointed as reached
		conns int
		msgs  int
	}{
		{
			// The message was accepted: it is sent, though the RSET after
			// it fails; the next recipient gets a new connection.
			name: "closed after accepting each message",
			rule: func(_, _ int, cmd string) rawAction {
				if cmd == "." {
					return rawCloseAfterReply
				}
				return rawAnswer
			},
			sent: 3, conns: 3, msgs: 3,
		},
		{
			// The server read the whole message but never answered: it may
			// deliver it, so no retry.
			name: "closed before answering the final dot",
			rule: func(_, _ int, cmd string) rawAction {
				if cmd == "." {
					return rawCloseBeforeReply
				}
				return rawAnswer
			},
			class: content.OutcomeUnknown, sent: 0, conns: 1, msgs: 1,
		},
		{
			// The reused connection breaks at MAIL FROM: nothing of the
			// message was accepted, so it is sent over a new one.
			name: "reused connection closed at MAIL FROM",
			rule: func(conn, sent int, cmd string) rawAction {
				if conn == 1 && sent == 1 && cmd == "MAIL" {
					return rawCloseBeforeReply
				}
				return rawAnswer
			},
			sent: 3, conns: 2, msgs: 3,
		},
		{
			name: "reused connection closed at DATA",
			rule: func(conn, sent int, cmd string) rawAction {
				if conn == 1 && sent == 1 && cmd == "DATA" {
					return rawCloseBeforeReply
				}
				return rawAnswer
			},
			sent: 3, conns: 2, msgs: 3,
		},
		{
			// One redial, no more: the new connection breaks too.
			name: "new connection closed at MAIL FROM too",
			rule: func(conn, sent int, cmd string) rawAction {
				if cmd == "MAIL" && (conn == 1 && sent == 1 || conn > 1) {
					return rawCloseBeforeReply
				}
				return rawAnswer
			},
			class: content.Retryable, sent: 1, conns: 2, msgs: 1,
		},
		{
			// A fresh connection is not redialled.
			name: "fresh connection closed at RCPT TO",
			rule: func(_, _ int, cmd string) rawAction {
				if cmd == "RCPT" {
					return rawCloseBeforeReply
				}
				return rawAnswer
			},
			class: content.Retryable, sent: 0, conns: 1, msgs: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startRawSMTP(t, tc.rule)
			cp := &email.MemoryCheckpoint{}
			p, err := email.NewSMTP(email.SMTPConfig{
				Host: "127.0.0.1", Port: srv.port(), TLS: email.TLSNone, PoolSize: 1, From: "news@halcytone.example",
				Recipients: []email.Recipient{{Email: "ada@example.com"}, {Email: "bob@example.com"}, {Email: "cy@example.com"}},
				Checkpoint: cp,
			})
			require.NoError(t, err)
			t.Cleanup(func() { _ = p.Close() })
			d := newsletterDelivery("Breaks")

			r, err := p.Publish(t.Context(), d)
			assert.Equal(t, tc.class, content.ClassOf(err), "%v", err)
			if tc.class == "" {
				assert.Equal(t, tc.sent, r.Sent)
			} else {
				var ce *content.Error
				require.ErrorAs(t, err, &ce)
				// An interrupted send is not found: it is to be resumed.
				_, ok, err := p.Lookup(t.Context(), d.IdempotencyKey)
				require.NoError(t, err)
				assert.False(t, ok)
				assert.Equal(t, tc.sent, checkpointedSent(t, cp, d.IdempotencyKey))
			}
			conns, msgs := srv.counts()
			assert.Equal(t, tc.conns, conns, "connections")
			assert.Equal(t, tc.msgs, msgs, "messages")
		})
	}
}

// checkpointedSent returns the number of recipients the checkpoint of key
// in cp records as reached, 0 when there is none.
func checkpointedSent(t *testing.T, cp email.Checkpoint, key string) int {
	t.Helper()
	v, err := cp.Load(t.Context(), key)
	require.NoError(t, err)
	if v == "" {
		return 0
	}
	var p struct {
		Sent int `json:"sent"`
	}
	require.NoError(t, json.Unmarshal([]byte(v), &p))
	return p.Sent
}
