package email

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

// TLSPolicy says whether the SMTP publisher uses STARTTLS.
type TLSPolicy string

// The TLS policies.
const (
	// TLSMandatory refuses to send unless STARTTLS succeeds (the default).
	TLSMandatory TLSPolicy = "mandatory"
	// TLSOpportunistic uses STARTTLS when the server offers it.
	TLSOpportunistic TLSPolicy = "opportunistic"
	// TLSNone never uses STARTTLS (local relays and tests only).
	TLSNone TLSPolicy = "none"
)

// Recipient is one addressee of the SMTP publisher.
type Recipient struct {
	ID    string // used in link templates as {{id}}; may be empty
	Name  string
	Email string
	Test  bool // a test recipient, the only kind sent to in test mode
}

// SMTPConfig configures an SMTP publisher. Zero fields take the defaults.
type SMTPConfig struct {
	// Host and Port of the mail server; Port defaults to 587.
	Host string
	Port int
	// Username and Password, when set, authenticate with SMTP AUTH PLAIN.
	Username, Password string
	// TLS is the STARTTLS policy; default TLSMandatory. TLSConfig, when
	// set, configures it (its ServerName defaults to Host).
	TLS       TLSPolicy
	TLSConfig *tls.Config
	// Timeout bounds dialling and each SMTP command; default 30 s.
	Timeout time.Duration
	// PoolSize is the number of connections kept open and reused across
	// sends; default 2.
	PoolSize int
	// Name is the publisher's name; default "email-smtp".
	Name string
	// From is the sender address (required); FromName its display name.
	From     string
	FromName string
	// Recipients are the addressees of every newsletter.
	Recipients []Recipient
	// TestMode sends only to recipients flagged Test.
	TestMode bool
	// UnsubscribeURL and PreferencesURL are templates of each recipient's
	// links ("{{email}}" and "{{id}}" are replaced, query-escaped).
	// UnsubscribeMailto is an address that unsubscribes whoever writes to
	// it. Both unsubscribe forms go into List-Unsubscribe.
	UnsubscribeURL    string
	PreferencesURL    string
	UnsubscribeMailto string
	// Checkpoint records progress under the delivery's idempotency key
	// itself (halcytone.DeliveryCheckpoints keeps it in the delivery's
	// row), so that Lookup is answered locally and a resumed send skips
	// whom it reached; default in memory. A save that fails is logged and
	// the progress kept in the publisher's memory instead (see Publish).
	Checkpoint Checkpoint
	// Logger receives checkpoint failures; nil means slog.Default().
	Logger *slog.Logger
}

// SMTP publishes newsletters over SMTP with github.com/wneessen/go-mail:
// one message per recipient with a text and an HTML part, a
// List-Unsubscribe header, and a Message-ID derived from the delivery's
// idempotency key and the recipient, so that the same delivery always
// produces the same Message-IDs. Connections are pooled and reused; one
// the server closed while it sat in the pool is redialled once, when the
// failure came before any of the message was accepted (see Publish). It
// is safe for concurrent use; Close releases the connections.
type SMTP struct {
	cfg    SMTPConfig
	addr   string // host:port, for error messages
	domain string
	cp     Checkpoint
	log    *slog.Logger
	client *gomail.Client // the settings every connection is dialled with
	pool   chan *smtpConn
	now    func() time.Time
	closed sync.Once

	// unsaved holds, per delivery key, progress that Checkpoint failed to
	// save, for the life of the publisher; an entry goes once a later
	// save succeeds.
	mu      sync.Mutex
	unsaved map[string]smtpProgress
}

// smtpConn is a slot of the pool; c is nil when it holds no connection.
type smtpConn struct {
	c *gosmtp.Client
}

var _ publish.Publisher = (*SMTP)(nil)

// NewSMTP returns an SMTP publisher, or an error when the configuration is
// invalid. It does not connect until the first send.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("email: smtp host is empty")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email: smtp from address %q: %w", cfg.From, err)
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = 2
	}
	if cfg.Name == "" {
		cfg.Name = "email-smtp"
	}
	var policy gomail.TLSPolicy
	switch cfg.TLS {
	case "", TLSMandatory:
		policy = gomail.TLSMandatory
	case TLSOpportunistic:
		policy = gomail.TLSOpportunistic
	case TLSNone:
		policy = gomail.NoTLS
	default:
		return nil, fmt.Errorf("email: unknown smtp tls policy %q (want mandatory, opportunistic or none)", cfg.TLS)
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	opts := []gomail.Option{gomail.WithPort(cfg.Port), gomail.WithTLSPolicy(policy), gomail.WithTimeout(cfg.Timeout),
		gomail.WithDialContextFunc(dialTracked)}
	if cfg.TLSConfig != nil {
		// go-mail hands the configuration to crypto/tls as it is, and a
		// client configuration without ServerName cannot verify anything.
		tc := cfg.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = cfg.Host
		}
		opts = append(opts, gomail.WithTLSConfig(tc))
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	client, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("email: smtp client for %s: %w", addr, err)
	}
	s := &SMTP{cfg: cfg, addr: addr, domain: domain, cp: cfg.Checkpoint, log: cfg.Logger, client: client,
		pool: make(chan *smtpConn, cfg.PoolSize), now: time.Now, unsaved: map[string]smtpProgress{}}
	if s.cp == nil {
		s.cp = &MemoryCheckpoint{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	for range cfg.PoolSize {
		s.pool <- &smtpConn{}
	}
	return s, nil
}

// Name returns the publisher's name.
func (s *SMTP) Name() string { return s.cfg.Name }

// Channel returns content.ChannelEmail.
func (s *SMTP) Channel() content.Channel { return content.ChannelEmail }

// Validate reports a missing newsletter, subject or body.
func (s *SMTP) Validate(_ context.Context, b *content.Bundle) []content.Issue {
	return validateNewsletter(b)
}

// Close quits every pooled connection. The publisher must not be used
// afterwards.
func (s *SMTP) Close() error {
	var errs []error
	s.closed.Do(func() {
		for range cap(s.pool) {
			c := <-s.pool
			if c.c == nil {
				continue
			}
			if err := s.client.CloseWithSMTPClient(c.c); err != nil {
				// QUIT failed (the server may have gone): release the
				// connection all the same.
				_ = c.c.Close()
				errs = append(errs, fmt.Errorf("email-smtp: close connection to %s: %w", s.addr, err))
			}
			c.c = nil
		}
	})
	return errors.Join(errs...)
}

// Preview returns the message the first recipient would receive, in
// RFC 5322 form.
func (s *SMTP) Preview(_ context.Context, d publish.Delivery) (publish.Preview, error) {
	nl, err := checkDelivery("email-smtp: preview", d)
	if err != nil {
		return publish.Preview{}, err
	}
	rcpt := Recipient{ID: "sample", Name: "Sample Subscriber", Email: "subscriber@example.com"}
	if rs := s.recipients(); len(rs) > 0 {
		rcpt = rs[0]
	}
	m, err := s.message(d.IdempotencyKey, nl, rcpt)
	if err != nil {
		return publish.Preview{}, err
	}
	var b strings.Builder
	if _, err := m.WriteTo(&b); err != nil {
		return publish.Preview{}, &content.Error{Class: content.Permanent, Op: "email-smtp: preview", Err: err}
	}
	return publish.Preview{Channel: content.ChannelEmail, Payload: []byte(b.String()), Estimates: map[string]float64{
		"recipients": float64(len(s.recipients())), "html_bytes": float64(len(nl.HTML)),
		"estimated_deliverability_score": DeliverabilityEstimate(nl),
	}}, nil
}

// recipients returns whom a send reaches.
func (s *SMTP) recipients() []Recipient {
	if !s.cfg.TestMode {
		return s.cfg.Recipients
	}
	var out []Recipient
	for _, r := range s.cfg.Recipients {
		if r.Test {
			out = append(out, r)
		}
	}
	return out
}

// MessageID returns the Message-ID (without angle brackets) of the
// message for the recipient addr under the idempotency key key.
func (s *SMTP) MessageID(key, addr string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(addr)))
	return key + "." + hex.EncodeToString(sum[:8]) + "@" + s.domain
}

// message builds the message of one recipient.
func (s *SMTP) message(key string, nl *content.Newsletter, r Recipient) (*gomail.Msg, error) {
	const op = "email-smtp: build message"
	m := gomail.NewMsg()
	var err error
	if s.cfg.FromName != "" {
		err = m.FromFormat(s.cfg.FromName, s.cfg.From)
	} else {
		err = m.From(s.cfg.From)
	}
	if err != nil {
		return nil, &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	if r.Name != "" {
		err = m.AddToFormat(r.Name, r.Email)
	} else {
		err = m.To(r.Email)
	}
	if err != nil {
		return nil, &content.Error{Class: content.InvalidContent, Op: op, Field: "recipients", Err: err}
	}
	vars := mergeVars(r.ID, r.Name, r.Email, s.cfg.UnsubscribeURL, s.cfg.PreferencesURL)
	m.Subject(content.Merge(nl.Subject, vars, false))
	m.SetMessageIDWithValue(s.MessageID(key, r.Email))
	m.SetDateWithValue(s.now())
	var unsub []string
	if s.cfg.UnsubscribeMailto != "" {
		unsub = append(unsub, "<mailto:"+s.cfg.UnsubscribeMailto+"?subject=unsubscribe>")
	}
	if u := vars["unsubscribe_url"]; strings.HasPrefix(u, "https://") {
		unsub = append(unsub, "<"+u+">")
		m.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	if len(unsub) > 0 {
		m.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, strings.Join(unsub, ", "))
	}
	text, html := content.Merge(nl.Text, vars, false), content.Merge(nl.HTML, vars, true)
	switch {
	case text != "" && html != "":
		m.SetBodyString(gomail.TypeTextPlain, text)
		m.AddAlternativeString(gomail.TypeTextHTML, html)
	case html != "":
		m.SetBodyString(gomail.TypeTextHTML, html)
	default:
		m.SetBodyString(gomail.TypeTextPlain, text)
	}
	return m, nil
}

// smtpProgress is the checkpointed state of an SMTP send.
type smtpProgress struct {
	Sent int       `json:"sent"` // recipients handled, in order
	Done bool      `json:"done"`
	At   time.Time `json:"at,omitzero"`
	// Refused are the recipients whose address the server refused for
	// good (a 5xx to RCPT TO), among the first Sent.
	Refused []string `json:"refused,omitempty"`
}

// receipt is the receipt of a completed send: Sent counts the recipients
// the server accepted, and Status says how many it refused.
func (p smtpProgress) receipt(id string) publish.Receipt {
	status := "sent"
	if n := len(p.Refused); n > 0 {
		status = fmt.Sprintf("sent; %d recipient(s) refused: %s", n, strings.Join(p.Refused[:min(n, 5)], ", "))
	}
	return publish.Receipt{ExternalID: id, Status: status, Sent: p.Sent - len(p.Refused), At: p.At}
}

// ahead reports whether p records more of a send than q.
func (p smtpProgress) ahead(q smtpProgress) bool {
	return p.Done && !q.Done || p.Done == q.Done && p.Sent > q.Sent
}

// Publish sends the newsletter of d to every recipient (only test
// recipients in test mode), one message each over pooled connections,
// checkpointing after each message. A delivery already completed returns
// its receipt and sends nothing; an interrupted one resumes after the last
// recipient reached.
//
// Progress is saved through the Checkpoint under d's idempotency key. A
// save that fails does not stop the send: the failure is logged (once per
// Publish) and the progress kept in the publisher's memory, which load
// consults alongside the Checkpoint, so that a later Publish of the same
// delivery by this publisher resumes after the last recipient reached
// instead of sending to the first ones again. The trade-off: what only
// memory holds is lost with the process, and a send resumed after a
// restart (or by another process) starts after the last recipient the
// Checkpoint saved, resending to those reached since. Failing the Publish
// instead would not avoid that, and would make every retry resend the
// message whose progress could not be saved.
//
// A message counts as reached once the server accepted it (answered the
// final dot of DATA), even if the connection fails afterwards. A pooled
// connection found broken before any of a message was accepted (the
// server closed it while idle, or it broke at MAIL FROM, RCPT TO or the
// DATA command without a reply) is redialled once and the message sent
// over the new connection. A connection that breaks after the message's
// content went out and before the server's answer gives OutcomeUnknown:
// the server may deliver it, so it is never resent blindly.
//
// Failures are *content.Error values: credentials refused (535, 534)
// AuthExpired; a failed TLS handshake (an untrusted certificate, say),
// STARTTLS missing under TLSMandatory or AUTH not offered Permanent; a
// 5xx to DATA InvalidContent; a 5xx to one RCPT TO refuses that recipient
// alone (the receipt's Status names the refused, its Sent counts the
// others), and InvalidContent only when the server took no recipient at
// all; any other 5xx Permanent; 4xx
// replies and network failures before the content went out Retryable; a
// checkpoint that cannot be read Retryable, one that cannot be decoded
// Permanent.
func (s *SMTP) Publish(ctx context.Context, d publish.Delivery) (publish.Receipt, error) {
	const op = "email-smtp: publish"
	nl, err := checkDelivery(op, d)
	if err != nil {
		return publish.Receipt{}, err
	}
	if d.DryRun {
		return publish.Receipt{Status: "dry_run", DryRun: true, At: s.now()}, nil
	}
	if err := ctx.Err(); err != nil {
		return publish.Receipt{}, &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	key := d.IdempotencyKey
	p, err := s.load(ctx, key)
	if err != nil {
		return publish.Receipt{}, err
	}
	if !p.Done {
		logged := false
		save := func() {
			if err := s.save(ctx, key, p); err != nil && !logged {
				logged = true
				s.log.WarnContext(ctx, "email-smtp: checkpoint not saved; progress kept in memory, a restart would resend to the recipients reached since the last save",
					"key", key, "sent", p.Sent, "done", p.Done, "error", err)
			}
		}
		rcpts := s.recipients()
		for i := p.Sent; i < len(rcpts); i++ {
			m, err := s.message(key, nl, rcpts[i])
			if err != nil {
				return publish.Receipt{}, err
			}
			if err := s.send(ctx, m); err != nil {
				if !refusedRecipient(err) {
					return publish.Receipt{}, err
				}
				// One address the server does not take (an old mailbox)
				// must not stop the newsletter for everyone after it.
				p.Refused = append(p.Refused, rcpts[i].Email)
				s.log.WarnContext(ctx, "email-smtp: recipient refused; going on with the others", "key", key, "recipient", rcpts[i].Email, "error", err)
			}
			p.Sent = i + 1
			save()
		}
		if len(rcpts) > 0 && len(p.Refused) == p.Sent {
			// Not one address taken: more likely the server's setup (a
			// relay it refuses) than every mailbox. Start afresh next time.
			refused := len(p.Refused)
			p.Sent, p.Refused = 0, nil
			save()
			return publish.Receipt{}, &content.Error{Class: content.InvalidContent, Op: op, Field: "recipients",
				Err: fmt.Errorf("the server refused every recipient (%d)", refused)}
		}
		p.Done, p.At = true, s.now().UTC()
		save()
	}
	return p.receipt(key + "@" + s.domain), nil
}

// refusedRecipient reports whether err is the server's permanent refusal
// of one recipient (a 5xx to RCPT TO).
func refusedRecipient(err error) bool {
	var ce *content.Error
	return errors.As(err, &ce) && ce.Class == content.InvalidContent && ce.Field == "recipients"
}

// Lookup answers from the checkpoint (and the progress kept in memory):
// the SMTP server keeps no record that can be queried. ok is true only
// for a send that completed, with Status "sent"; a send interrupted half
// way is not found, so that the Engine publishes again and Publish
// resumes it after the last recipient reached.
func (s *SMTP) Lookup(ctx context.Context, key string) (publish.Receipt, bool, error) {
	p, err := s.load(ctx, key)
	if err != nil || !p.Done {
		return publish.Receipt{}, false, err
	}
	return p.receipt(key + "@" + s.domain), true, nil
}

// load returns the progress of the send of key: the Checkpoint's, or the
// one kept in memory when that is further along.
func (s *SMTP) load(ctx context.Context, key string) (smtpProgress, error) {
	var p smtpProgress
	v, err := s.cp.Load(ctx, key)
	if err != nil {
		return p, &content.Error{Class: content.Retryable, Op: "email-smtp: load checkpoint", Err: err}
	}
	if v != "" {
		if err := json.Unmarshal([]byte(v), &p); err != nil {
			return p, &content.Error{Class: content.Permanent, Op: "email-smtp: load checkpoint", Err: fmt.Errorf("malformed checkpoint: %w", err)}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.unsaved[key]; ok && m.ahead(p) {
		p = m
	}
	return p, nil
}

// save records p through the Checkpoint under key. When that fails it
// keeps p in memory and returns the failure; once a save succeeds, the
// memory of key is dropped.
func (s *SMTP) save(ctx context.Context, key string, p smtpProgress) error {
	b, err := json.Marshal(p)
	if err == nil {
		err = s.cp.Save(ctx, key, string(b))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.unsaved[key] = p
		return err
	}
	delete(s.unsaved, key)
	return nil
}

// send sends m over a pooled connection, dialling when the slot holds
// none. A message the server accepted (its reply to the final dot of
// DATA) is sent, whatever happens to the connection afterwards. A reused
// connection that breaks without a reply before DATA's content was sent
// (the server closed it while it sat in the pool, say) is dropped and the
// message sent once more over a new connection: nothing of it was
// accepted, so it cannot arrive twice. Any other failure is returned,
// classified by classifySend; a broken connection is dropped, one the
// server answered with a refusal is reset and kept.
func (s *SMTP) send(ctx context.Context, m *gomail.Msg) error {
	var c *smtpConn
	select {
	case c = <-s.pool:
	case <-ctx.Done():
		return &content.Error{Class: content.Retryable, Op: "email-smtp: wait for a connection", Err: ctx.Err()}
	}
	defer func() { s.pool <- c }()
	for attempt := 0; ; attempt++ {
		reused := c.c != nil
		if c.c == nil {
			cl, err := s.dial(ctx)
			if err != nil {
				return classifyDial(s.addr, err)
			}
			c.c = cl
		}
		err := s.client.SendWithSMTPClient(c.c, m)
		if err == nil {
			return nil
		}
		if m.IsDelivered() {
			// Only the RSET after an accepted message failed.
			s.drop(c)
			return nil
		}
		var se *gomail.SendError
		replied := errors.As(err, &se) && se.ErrorCode() != 0
		if !replied {
			s.drop(c)
		} else if rerr := s.client.ResetWithSMTPClient(c.c); rerr != nil {
			s.drop(c)
		}
		if reused && !replied && attempt == 0 && beforeContent(se) {
			continue
		}
		return classifySend(err)
	}
}

// beforeContent reports whether a send failed before any of the message's
// content went out: at the connection check, MAIL FROM, RCPT TO or the
// DATA command itself.
func beforeContent(se *gomail.SendError) bool {
	if se == nil {
		return false
	}
	switch se.Reason {
	case gomail.ErrConnCheck, gomail.ErrSMTPMailFrom, gomail.ErrSMTPRcptTo, gomail.ErrSMTPData:
		return true
	}
	return false
}

// drop closes the slot's connection without a QUIT and empties the slot.
func (s *SMTP) drop(c *smtpConn) {
	if c.c != nil {
		_ = c.c.Close()
		c.c = nil
	}
}

// dial connects, says hello, starts TLS and authenticates as configured.
// go-mail leaves the connection open when one of the later steps fails,
// so dial closes it then.
func (s *SMTP) dial(ctx context.Context) (*gosmtp.Client, error) {
	d := &dialed{}
	cl, err := s.client.DialToSMTPClientWithContext(context.WithValue(ctx, dialedKey{}, d))
	if err != nil {
		d.close()
		return nil, err
	}
	return cl, nil
}

// dialedKey is the context key of the *dialed that dialTracked records
// its connection in.
type dialedKey struct{}

// dialed is the connection a dial opened.
type dialed struct {
	mu   sync.Mutex
	conn net.Conn
}

func (d *dialed) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil {
		_ = d.conn.Close()
	}
}

// dialTracked dials a TCP connection and records it in the context's
// *dialed, if any.
func dialTracked(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if d, ok := ctx.Value(dialedKey{}).(*dialed); ok {
		d.mu.Lock()
		d.conn = conn
		d.mu.Unlock()
	}
	return conn, nil
}

// classifyDial classifies a failure to connect to addr, say hello, start
// TLS or authenticate; nothing was sent then:
//   - the server refused the credentials (535) or the mechanism (534):
//     AuthExpired;
//   - any other 4xx reply: Retryable; any other 5xx reply: Permanent;
//   - a failed TLS handshake (an untrusted or mismatched certificate, a
//     server not speaking TLS), STARTTLS not offered under TLSMandatory,
//     AUTH PLAIN not offered or refused by go-mail over an unencrypted
//     connection: Permanent, a configuration to fix;
//   - anything else (refused, reset, timed out): Retryable.
func classifyDial(addr string, err error) error {
	op := "email-smtp: connect to " + addr
	var (
		reply   *textproto.Error
		verify  *tls.CertificateVerificationError
		header  tls.RecordHeaderError
		alert   tls.AlertError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &reply):
		switch {
		case reply.Code == 535 || reply.Code == 534:
			return &content.Error{Class: content.AuthExpired, Op: op, Err: err}
		case reply.Code >= 400 && reply.Code < 500:
			return &content.Error{Class: content.Retryable, Op: op, Err: err}
		}
		return &content.Error{Class: content.Permanent, Op: op, Err: err}
	case errors.As(err, &verify), errors.As(err, &header), errors.As(err, &alert),
		errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid):
		return &content.Error{Class: content.Permanent, Op: op, Err: err}
	case errors.Is(err, gosmtp.ErrUnencrypted), errors.Is(err, gosmtp.ErrWrongHostname), errors.Is(err, gomail.ErrPlainAuthNotSupported),
		strings.Contains(err.Error(), "does not support STARTTLS"), strings.Contains(err.Error(), "does not support SMTP AUTH"):
		// go-mail's errors for a missing STARTTLS or AUTH are not
		// exported: matched by their text.
		return &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	return &content.Error{Class: content.Retryable, Op: op, Err: err}
}

// classifySend classifies a failed send by its SMTP reply: 4xx is
// Retryable; 5xx to RCPT TO is InvalidContent (recipients), to DATA
// InvalidContent (newsletter), else Permanent; a failure without a reply
// after DATA's content began is OutcomeUnknown, before it Retryable.
func classifySend(err error) error {
	const op = "email-smtp: send"
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return &content.Error{Class: content.Retryable, Op: op, Err: err}
	}
	code := se.ErrorCode()
	switch {
	case code >= 400 && code < 500:
		return &content.Error{Class: content.Retryable, Op: op, Err: err}
	case code >= 500 && se.Reason == gomail.ErrSMTPRcptTo:
		return &content.Error{Class: content.InvalidContent, Op: op, Field: "recipients", Err: err}
	case code >= 500 && (se.Reason == gomail.ErrSMTPData || se.Reason == gomail.ErrSMTPDataClose || se.Reason == gomail.ErrWriteContent):
		return &content.Error{Class: content.InvalidContent, Op: op, Field: "newsletter", Err: err}
	case code >= 500:
		return &content.Error{Class: content.Permanent, Op: op, Err: err}
	case se.Reason == gomail.ErrSMTPDataClose || se.Reason == gomail.ErrWriteContent:
		return &content.Error{Class: content.OutcomeUnknown, Op: op, Err: err}
	}
	return &content.Error{Class: content.Retryable, Op: op, Err: fmt.Errorf("%w (reason %s)", err, strconv.Quote(se.Reason.String()))}
}
