package email

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/halcytone/halcytone/content"
)

func TestClassifyDial(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 45350}, Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		err  error
		want content.ErrorClass
	}{
		// The port holds "535", which is no SMTP reply.
		{"connection refused", refused, content.Retryable},
		{"eof", io.EOF, content.Retryable},
		{"credentials refused", fmt.Errorf("SMTP AUTH failed: %w", &textproto.Error{Code: 535, Msg: "5.7.8 Authentication failed"}), content.AuthExpired},
		{"mechanism too weak", fmt.Errorf("SMTP AUTH failed: %w", &textproto.Error{Code: 534, Msg: "5.7.9 too weak"}), content.AuthExpired},
		{"temporary auth failure", fmt.Errorf("SMTP AUTH failed: %w", &textproto.Error{Code: 454, Msg: "4.7.0 try later"}), content.Retryable},
		{"greeting refused", &textproto.Error{Code: 554, Msg: "no service"}, content.Permanent},
		{"untrusted certificate", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, content.Permanent},
		{"not speaking tls", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, content.Permanent},
		{"no starttls", errors.New(`STARTTLS mode set to: "TLSMandatory", but target host does not support STARTTLS`), content.Permanent},
		{"no auth", errors.New("server does not support SMTP AUTH"), content.Permanent},
		{"plain auth in the clear", gosmtp.ErrUnencrypted, content.Permanent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := classifyDial("mail.example.com:587", tc.err)
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.want, ce.Class, "%v", err)
			assert.ErrorIs(t, err, tc.err)
			assert.Contains(t, err.Error(), "mail.example.com:587")
		})
	}
}
