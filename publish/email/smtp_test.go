package email_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish/email"
)

// received is one message the test SMTP server accepted.
type received struct {
	From string
	To   []string
	Msg  *mail.Message
	Body string
	TLS  bool   // the session ran over TLS (STARTTLS)
	User string // the user the session authenticated as, or ""
}

// smtpServer is an in-process SMTP server on loopback that records what it
// receives and answers RCPT TO or DATA with a scripted error on cue. With
// options it offers STARTTLS and requires AUTH PLAIN. It counts the
// connections it accepted and those still open, and can drop them or
// restart on the same address.
type smtpServer struct {
	tls        *tls.Config // offer STARTTLS with it when set
	user, pass string      // require AUTH PLAIN with them when user is set

	mu       sync.Mutex
	srv      *smtp.Server
	msgs     []received
	rcptErr  error
	dataErr  error
	rcptOnce map[string]error // per address, answered to its next RCPT TO only
	sessions int
	accepted int               // connections accepted
	open     map[net.Conn]bool // connections not closed yet
	host     string
	port     int
}

// smtpOption configures the test server.
type smtpOption func(*smtpServer)

// withTLS makes the server offer STARTTLS with cert.
func withTLS(cert tls.Certificate) smtpOption {
	return func(s *smtpServer) { s.tls = &tls.Config{Certificates: []tls.Certificate{cert}} }
}

// withAuth makes the server require AUTH PLAIN as user with pass.
func withAuth(user, pass string) smtpOption {
	return func(s *smtpServer) { s.user, s.pass = user, pass }
}

func startSMTP(t *testing.T, opts ...smtpOption) *smtpServer {
	t.Helper()
	s := &smtpServer{open: map[net.Conn]bool{}}
	for _, o := range opts {
		o(s)
	}
	s.serve(t, "127.0.0.1:0")
	t.Cleanup(func() {
		s.mu.Lock()
		srv := s.srv
		s.mu.Unlock()
		_ = srv.Close()
	})
	return s
}

// serve starts a go-smtp server listening on addr.
func (s *smtpServer) serve(t *testing.T, addr string) {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &smtpSession{srv: s, tls: isTLS}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.TLSConfig = s.tls
	srv.ErrorLog = log.New(io.Discard, "", 0) // dropped connections are expected
	l, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	go func() { _ = srv.Serve(trackingListener{Listener: l, s: s}) }()
	tcp := l.Addr().(*net.TCPAddr)
	s.mu.Lock()
	s.srv = srv
	s.host, s.port = tcp.IP.String(), tcp.Port
	s.mu.Unlock()
}

// restart closes the server and every connection, and starts a new one
// on the same address.
func (s *smtpServer) restart(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	srv, addr := s.srv, net.JoinHostPort(s.host, strconv.Itoa(s.port))
	s.mu.Unlock()
	require.NoError(t, srv.Close())
	s.serve(t, addr)
}

// dropConnections closes every open connection, as a server dropping
// idle clients does.
func (s *smtpServer) dropConnections() {
	s.mu.Lock()
	conns := make([]net.Conn, 0, len(s.open))
	for c := range s.open {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// connections returns how many connections the server accepted and how
// many of them are still open.
func (s *smtpServer) connections() (accepted, open int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted, len(s.open)
}

// trackingListener counts the connections it accepts and notes when they
// close.
type trackingListener struct {
	net.Listener
	s *smtpServer
}

func (l trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, s: l.s}
	l.s.mu.Lock()
	l.s.accepted++
	l.s.open[tc] = true
	l.s.mu.Unlock()
	return tc, nil
}

// trackedConn removes itself from the server's open connections when
// closed.
type trackedConn struct {
	net.Conn
	s    *smtpServer
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		delete(c.s.open, c)
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *smtpServer) fail(rcpt, data error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcptErr, s.dataErr = rcpt, data
}

// failRcptOnce answers the next RCPT TO of addr with err, once.
func (s *smtpServer) failRcptOnce(addr string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rcptOnce == nil {
		s.rcptOnce = map[string]error{}
	}
	s.rcptOnce[addr] = err
}

type smtpSession struct {
	srv  *smtpServer
	tls  bool
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }

// AuthMechanisms offers PLAIN when the server requires authentication.
func (ss *smtpSession) AuthMechanisms() []string {
	if ss.srv.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth checks PLAIN credentials; wrong ones get 535 5.7.8.
func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	if ss.srv.user == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.srv.user || pass != ss.srv.pass {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.user != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.srv.mu.Lock()
	err := ss.srv.rcptErr
	if once, ok := ss.srv.rcptOnce[to]; ok && err == nil {
		delete(ss.srv.rcptOnce, to)
		err = once
	}
	ss.srv.mu.Unlock()
	if err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	if ss.srv.dataErr != nil {
		return ss.srv.dataErr
	}
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(m.Body)
	ss.srv.msgs = append(ss.srv.msgs, received{From: ss.from, To: ss.to, Msg: m, Body: string(body), TLS: ss.tls, User: ss.user})
	return nil
}

func newSMTP(t *testing.T, s *smtpServer, mod func(*email.SMTPConfig)) *email.SMTP {
	t.Helper()
	cfg := email.SMTPConfig{
		Host: s.host, Port: s.port, TLS: email.TLSNone, From: "news@halcytone.example", FromName: "Halcytone",
		Recipients: []email.Recipient{
			{ID: "1", Name: "Ada <Admin>", Email: "ada@example.com", Test: true},
			{ID: "2", Name: "Bob", Email: "bob@example.com"},
			{ID: "3", Name: "Cy", Email: "cy@example.com"},
		},
		UnsubscribeURL:    "https://halcytone.example/unsubscribe?e={{email}}",
		UnsubscribeMailto: "unsubscribe@halcytone.example",
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := email.NewSMTP(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func TestSMTPSendsMultipartWithHeaders(t *testing.T) {
	srv := startSMTP(t)
	p := newSMTP(t, srv, func(c *email.SMTPConfig) { c.PoolSize = 1 })
	d := newsletterDelivery("Weekly <news>")

	r, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 3, r.Sent)
	assert.Equal(t, "sent", r.Status)

	msgs := srv.received()
	require.Len(t, msgs, 3)
	m := msgs[0]
	assert.Equal(t, "news@halcytone.example", m.From)
	assert.Equal(t, []string{"ada@example.com"}, m.To)
	h := m.Msg.Header
	assert.Equal(t, "<"+p.MessageID(d.IdempotencyKey, "ada@example.com")+">", h.Get("Message-ID"))
	assert.Contains(t, h.Get("Message-ID"), d.IdempotencyKey)
	assert.Equal(t, "<mailto:unsubscribe@halcytone.example?subject=unsubscribe>, <https://halcytone.example/unsubscribe?e=ada%40example.com>", h.Get("List-Unsubscribe"))
	assert.Equal(t, "List-Unsubscribe=One-Click", h.Get("List-Unsubscribe-Post"))
	assert.Contains(t, h.Get("Content-Type"), "multipart/alternative")
	assert.Contains(t, m.Body, "Content-Type: text/plain")
	assert.Contains(t, m.Body, "Content-Type: text/html")
	assert.Contains(t, m.Body, "Hello Ada <Admin>", "text part, unescaped")
	assert.Contains(t, m.Body, "Hello Ada &lt;Admin&gt;", "HTML part, escaped")
	assert.Equal(t, []string{"bob@example.com"}, msgs[1].To)

	// The pool of one reused its connection for all three messages.
	srv.mu.Lock()
	assert.Equal(t, 1, srv.sessions)
	srv.mu.Unlock()

	// The same delivery again sends nothing; Lookup answers locally.
	again, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, r, again)
	assert.Len(t, srv.received(), 3)
	got, ok, err := p.Lookup(t.Context(), d.IdempotencyKey)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, r.ExternalID, got.ExternalID)
	_, ok, err = p.Lookup(t.Context(), "hc_never")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestSMTPTestMode(t *testing.T) {
	srv := startSMTP(t)
	p := newSMTP(t, srv, func(c *email.SMTPConfig) { c.TestMode = true })
	r, err := p.Publish(t.Context(), newsletterDelivery("Test"))
	require.NoError(t, err)
	assert.Equal(t, 1, r.Sent)
	msgs := srv.received()
	require.Len(t, msgs, 1)
	assert.Equal(t, []string{"ada@example.com"}, msgs[0].To)
}

func TestSMTPErrorClasses(t *testing.T) {
	tests := []struct {
		name       string
		rcpt, data error
		want       content.ErrorClass
		field      string
	}{
		{"4xx rcpt", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}, nil, content.Retryable, ""},
		{"4xx data", nil, &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "full"}, content.Retryable, ""},
		{"5xx rcpt", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, nil, content.InvalidContent, "recipients"},
		{"5xx data", nil, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "content refused"}, content.InvalidContent, "newsletter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSMTP(t)
			p := newSMTP(t, srv, nil)
			srv.fail(tt.rcpt, tt.data)
			d := newsletterDelivery("Failing")
			_, err := p.Publish(t.Context(), d)
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.want, ce.Class, "%v", err)
			assert.Equal(t, tt.field, ce.Field)

			// Once the server recovers, the send completes on the same
			// publisher, each recipient reached once.
			srv.fail(nil, nil)
			r, err := p.Publish(t.Context(), d)
			require.NoError(t, err)
			assert.Equal(t, 3, r.Sent)
			assert.Len(t, srv.received(), 3)
		})
	}
}

func TestSMTPMandatoryTLSRefusesPlainServer(t *testing.T) {
	srv := startSMTP(t) // offers no STARTTLS
	p := newSMTP(t, srv, func(c *email.SMTPConfig) { c.TLS = email.TLSMandatory })
	_, err := p.Publish(t.Context(), newsletterDelivery("TLS"))
	assert.Equal(t, content.Permanent, content.ClassOf(err), "%v", err)
	assert.Empty(t, srv.received())

	opp := newSMTP(t, srv, func(c *email.SMTPConfig) { c.TLS = email.TLSOpportunistic })
	r, err := opp.Publish(t.Context(), newsletterDelivery("TLS"))
	require.NoError(t, err)
	assert.Equal(t, 3, r.Sent)
}

func TestSMTPConnectionRefusedIsRetryable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	p, err := email.NewSMTP(email.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: email.TLSNone, From: "a@b.example",
		Recipients: []email.Recipient{{Email: "x@example.com"}}})
	require.NoError(t, err)
	_, err = p.Publish(t.Context(), newsletterDelivery("Refused"))
	assert.Equal(t, content.Retryable, content.ClassOf(err), "%v", err)
}

func TestSMTPCancelledContext(t *testing.T) {
	srv := startSMTP(t)
	p := newSMTP(t, srv, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := p.Publish(ctx, newsletterDelivery("Cancelled"))
	assert.True(t, errors.Is(err, context.Canceled))
	assert.Empty(t, srv.received())
}

func TestSMTPPreview(t *testing.T) {
	srv := startSMTP(t)
	p := newSMTP(t, srv, nil)
	pv, err := p.Preview(t.Context(), newsletterDelivery("Preview"))
	require.NoError(t, err)
	assert.Contains(t, string(pv.Payload), "List-Unsubscribe:")
	assert.Contains(t, string(pv.Payload), "Subject: Preview")
	assert.Empty(t, srv.received())
}

func TestNewSMTPRejectsBadConfig(t *testing.T) {
	for _, cfg := range []email.SMTPConfig{
		{From: "a@b.example"},
		{Host: "h", From: "not an address"},
		{Host: "h", From: "a@b.example", TLS: "sometimes"},
	} {
		_, err := email.NewSMTP(cfg)
		assert.Error(t, err)
	}
}

// TestSMTPRefusedRecipientDoesNotStopTheOthers: one address the server
// refuses for good (550 to RCPT TO) is recorded and passed over; the
// newsletter reaches everyone else, once, and the receipt says who was
// refused.
func TestSMTPRefusedRecipientDoesNotStopTheOthers(t *testing.T) {
	srv := startSMTP(t)
	p := newSMTP(t, srv, nil)
	srv.failRcptOnce("bob@example.com", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})
	d := newsletterDelivery("Refused")
	r, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 2, r.Sent)
	assert.Contains(t, r.Status, "1 recipient(s) refused: bob@example.com")
	var to []string
	for _, m := range srv.received() {
		to = append(to, m.To...)
	}
	assert.ElementsMatch(t, []string{"ada@example.com", "cy@example.com"}, to)

	again, err := p.Publish(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, r, again, "done: nothing sent again")
	assert.Len(t, srv.received(), 2)
	got, ok, err := p.Lookup(t.Context(), d.IdempotencyKey)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, r.Status, got.Status)
}
