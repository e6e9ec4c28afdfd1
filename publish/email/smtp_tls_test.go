package email_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish/email"
)

// selfSigned returns a self-signed ECDSA certificate for 127.0.0.1, valid
// for an hour, and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "halcytone test smtp"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// requireClosed waits until the server sees every connection closed: a
// failed dial must not leave its connection open.
func requireClosed(t *testing.T, srv *smtpServer) {
	t.Helper()
	require.Eventually(t, func() bool {
		_, open := srv.connections()
		return open == 0
	}, 10*time.Second, 5*time.Millisecond, "the publisher left a connection open")
}

func TestSMTPStartTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	srv := startSMTP(t, withTLS(cert))
	// No ServerName: it defaults to Host.
	p := newSMTP(t, srv, func(c *email.SMTPConfig) {
		c.TLS = email.TLSMandatory
		c.TLSConfig = &tls.Config{RootCAs: pool}
	})
	r, err := p.Publish(t.Context(), newsletterDelivery("Over TLS"))
	require.NoError(t, err)
	assert.Equal(t, 3, r.Sent)
	msgs := srv.received()
	require.Len(t, msgs, 3)
	for _, m := range msgs {
		assert.True(t, m.TLS, "message to %v went in the clear", m.To)
	}
	assert.Equal(t, "Over TLS", msgs[0].Msg.Header.Get("Subject"))
}

func TestSMTPTLSFailuresAreClassified(t *testing.T) {
	cert, pool := selfSigned(t)
	tests := []struct {
		name    string
		opts    []smtpOption
		tls     *tls.Config
		mention string // in the error message
	}{
		{"server offers no STARTTLS", nil, &tls.Config{RootCAs: pool}, "STARTTLS"},
		{"certificate not trusted", []smtpOption{withTLS(cert)}, &tls.Config{RootCAs: x509.NewCertPool()}, "certificate"},
		{"certificate for another name", []smtpOption{withTLS(cert)}, &tls.Config{RootCAs: pool, ServerName: "mail.example.com"}, "certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSMTP(t, tc.opts...)
			p := newSMTP(t, srv, func(c *email.SMTPConfig) {
				c.TLS = email.TLSMandatory
				c.TLSConfig = tc.tls
			})
			var err error
			require.NotPanics(t, func() { _, err = p.Publish(t.Context(), newsletterDelivery("TLS")) })
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, content.Permanent, ce.Class, "%v", err)
			assert.Contains(t, err.Error(), tc.mention)
			assert.Contains(t, err.Error(), net.JoinHostPort(srv.host, strconv.Itoa(srv.port)), "the error names the server")
			assert.Empty(t, srv.received())
			requireClosed(t, srv)
		})
	}
}

func TestSMTPAuth(t *testing.T) {
	cert, pool := selfSigned(t)
	tests := []struct {
		name string
		opts []smtpOption
		mod  func(*email.SMTPConfig)
	}{
		{"plain connection", nil, func(c *email.SMTPConfig) { c.TLS = email.TLSNone }},
		{"after STARTTLS", []smtpOption{withTLS(cert)}, func(c *email.SMTPConfig) {
			c.TLS = email.TLSMandatory
			c.TLSConfig = &tls.Config{RootCAs: pool}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSMTP(t, append(tc.opts, withAuth("newsletter", "s3cret"))...)

			wrong := newSMTP(t, srv, func(c *email.SMTPConfig) {
				tc.mod(c)
				c.Username, c.Password = "newsletter", "wrong"
			})
			_, err := wrong.Publish(t.Context(), newsletterDelivery("Auth"))
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, content.AuthExpired, ce.Class, "%v", err)
			assert.Contains(t, err.Error(), "535")
			assert.Empty(t, srv.received())
			requireClosed(t, srv)

			right := newSMTP(t, srv, func(c *email.SMTPConfig) {
				tc.mod(c)
				c.Username, c.Password = "newsletter", "s3cret"
			})
			r, err := right.Publish(t.Context(), newsletterDelivery("Auth"))
			require.NoError(t, err)
			assert.Equal(t, 3, r.Sent)
			msgs := srv.received()
			require.Len(t, msgs, 3)
			for _, m := range msgs {
				assert.Equal(t, "newsletter", m.User)
			}
		})
	}
}

func TestSMTPAuthNotOfferedIsPermanent(t *testing.T) {
	srv := startSMTP(t) // offers no AUTH
	p := newSMTP(t, srv, func(c *email.SMTPConfig) { c.Username, c.Password = "newsletter", "s3cret" })
	_, err := p.Publish(t.Context(), newsletterDelivery("Auth"))
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, content.Permanent, ce.Class, "retrying cannot make the server offer AUTH: %v", err)
	assert.Empty(t, srv.received())
	requireClosed(t, srv)
}
