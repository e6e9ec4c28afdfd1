package email

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

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
	// Checkpoint records progress and the keys sent, so that Lookup is
	// answered locally and a resumed send skips whom it reached; default
	// in memory.
	Checkpoint Checkpoint
}

// SMTP publishes newsletters over SMTP with github.com/wneessen/go-mail:
// one message per recipient with a text and an HTML part, a
// List-Unsubscribe header, and a Message-ID derived from the delivery's
// idempotency key and the recipient, so that the same delivery always
// produces the same Message-IDs. Connections are pooled and reused. It is
// safe for concurrent use; Close releases the connections.
type SMTP struct {
	cfg    SMTPConfig
	domain string
	cp     Checkpoint
	pool   chan *smtpConn
	now    func() time.Time
	closed sync.Once
}

// smtpConn is a pooled client; live says whether it holds a connection.
type smtpConn struct {
	c    *gomail.Client
	live bool
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
	opts := []gomail.Option{gomail.WithPort(cfg.Port), gomail.WithTLSPolicy(policy), gomail.WithTimeout(cfg.Timeout)}
	if cfg.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(cfg.TLSConfig))
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	s := &SMTP{cfg: cfg, domain: domain, cp: cfg.Checkpoint, pool: make(chan *smtpConn, cfg.PoolSize), now: time.Now}
	if s.cp == nil {
		s.cp = &MemoryCheckpoint{}
	}
	for range cfg.PoolSize {
		c, err := gomail.NewClient(cfg.Host, opts...)
		if err != nil {
			return nil, fmt.Errorf("email: smtp client: %w", err)
		}
		s.pool <- &smtpConn{c: c}
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
			if c.live {
				errs = append(errs, c.c.Close())
			}
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
	Sent int       `json:"sent"` // recipients reached, in order
	Done bool      `json:"done"`
	At   time.Time `json:"at,omitzero"`
}

// Publish sends the newsletter of d to every recipient (only test
// recipients in test mode), one message each over pooled connections,
// checkpointing after each message. A delivery already completed returns
// its receipt and sends nothing; an interrupted one resumes after the last
// recipient reached.
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
		rcpts := s.recipients()
		for i := p.Sent; i < len(rcpts); i++ {
			m, err := s.message(key, nl, rcpts[i])
			if err != nil {
				return publish.Receipt{}, err
			}
			if err := s.send(ctx, m); err != nil {
				return publish.Receipt{}, err
			}
			p.Sent = i + 1
			if err := s.save(ctx, key, p); err != nil {
				return publish.Receipt{}, err
			}
		}
		p.Done, p.At = true, s.now().UTC()
		if err := s.save(ctx, key, p); err != nil {
			return publish.Receipt{}, err
		}
	}
	return publish.Receipt{ExternalID: key + "@" + s.domain, Status: "sent", Sent: p.Sent, At: p.At}, nil
}

// Lookup answers from the checkpoint: the SMTP server keeps no record
// that can be queried. Status is "sent" when the send completed, else
// "partial".
func (s *SMTP) Lookup(ctx context.Context, key string) (publish.Receipt, bool, error) {
	p, err := s.load(ctx, key)
	if err != nil || p.Sent == 0 && !p.Done {
		return publish.Receipt{}, false, err
	}
	r := publish.Receipt{ExternalID: key + "@" + s.domain, Status: "partial", Sent: p.Sent, At: p.At}
	if p.Done {
		r.Status = "sent"
	}
	return r, true, nil
}

func (s *SMTP) load(ctx context.Context, key string) (smtpProgress, error) {
	var p smtpProgress
	v, err := s.cp.Load(ctx, "smtp:"+key)
	if err != nil {
		return p, &content.Error{Class: content.Retryable, Op: "email-smtp: load checkpoint", Err: err}
	}
	if v != "" {
		if err := json.Unmarshal([]byte(v), &p); err != nil {
			return p, &content.Error{Class: content.Permanent, Op: "email-smtp: load checkpoint", Err: fmt.Errorf("malformed checkpoint: %w", err)}
		}
	}
	return p, nil
}

func (s *SMTP) save(ctx context.Context, key string, p smtpProgress) error {
	b, err := json.Marshal(p)
	if err == nil {
		err = s.cp.Save(ctx, "smtp:"+key, string(b))
	}
	if err != nil {
		return &content.Error{Class: content.Retryable, Op: "email-smtp: save checkpoint", Err: err}
	}
	return nil
}

// send sends m over a pooled connection, dialling when the connection is
// not live, and redialling once when a reused connection turns out dead
// (nothing was sent then).
func (s *SMTP) send(ctx context.Context, m *gomail.Msg) error {
	var c *smtpConn
	select {
	case c = <-s.pool:
	case <-ctx.Done():
		return &content.Error{Class: content.Retryable, Op: "email-smtp: wait for a connection", Err: ctx.Err()}
	}
	defer func() { s.pool <- c }()
	for attempt := 0; ; attempt++ {
		reused := c.live
		if !c.live {
			if err := c.c.DialWithContext(ctx); err != nil {
				return classifyDial(err)
			}
			c.live = true
		}
		err := c.c.Send(m)
		if err == nil {
			return nil
		}
		var se *gomail.SendError
		stale := errors.As(err, &se) && se.Reason == gomail.ErrConnCheck
		if stale || !errors.As(err, &se) || se.ErrorCode() == 0 {
			// The connection is unusable: drop it.
			_ = c.c.Close()
			c.live = false
		} else if rerr := c.c.Reset(); rerr != nil {
			_ = c.c.Close()
			c.live = false
		}
		if stale && reused && attempt == 0 {
			continue
		}
		return classifySend(err)
	}
}

// classifyDial classifies a failure to connect, say hello, start TLS or
// authenticate: nothing was sent.
func classifyDial(err error) error {
	const op = "email-smtp: connect"
	msg := err.Error()
	switch {
	case strings.Contains(msg, "535") || strings.Contains(msg, "534") || strings.Contains(strings.ToLower(msg), "authentication failed"):
		return &content.Error{Class: content.AuthExpired, Op: op, Err: err}
	case strings.Contains(strings.ToLower(msg), "starttls") || strings.Contains(strings.ToLower(msg), "tls"):
		// A mandatory STARTTLS the server does not offer, or a failed
		// handshake: a configuration problem, not a transient one.
		return &content.Error{Class: content.Permanent, Op: op, Err: err}
	}
	return &content.Error{Class: content.Retryable, Op: op, Err: err}
}

// classifySend classifies a failed send by its SMTP reply: 4xx is
// Retryable; 5xx to RCPT TO is InvalidContent (recipients), to DATA
// InvalidContent (newsletter), else Permanent; a failure without a reply
// after DATA began is OutcomeUnknown, before it Retryable.
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
