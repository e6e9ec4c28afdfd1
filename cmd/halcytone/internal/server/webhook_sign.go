package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks 1.0 (https://www.standardwebhooks.com): the headers,
// the secret prefix and the accepted clock difference.
const (
	webhookIDHeader        = "webhook-id"
	webhookTimestampHeader = "webhook-timestamp"
	webhookSignatureHeader = "webhook-signature"
	webhookSecretPrefix    = "whsec_"
	webhookTolerance       = 5 * time.Minute
)

// errWebhookSignature is wrapped by every refusal of verifyWebhook.
var errWebhookSignature = errors.New("webhook signature")

// parseWebhookSecret returns the HMAC key of a secret: the decoded bytes
// of "whsec_<base64>", or the bytes of any other string as they are.
func parseWebhookSecret(secret string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(secret, webhookSecretPrefix); ok {
		key, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return nil, fmt.Errorf("webhook secret: %s<base64>: %w", webhookSecretPrefix, err)
		}
		if len(key) == 0 {
			return nil, errors.New("webhook secret: empty key")
		}
		return key, nil
	}
	return []byte(secret), nil
}

// newWebhookSecret returns a fresh secret: "whsec_" and the base64 of 24
// random bytes.
func newWebhookSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// webhookSignature returns the signature header value of a message:
// "v1," and the base64 of HMAC-SHA256(key, "<id>.<timestamp>.<body>").
func webhookSignature(key []byte, id string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// verifyWebhook checks a signed message: the three headers present, the
// timestamp within webhookTolerance of now, and one of the space-separated
// signatures a valid v1 signature of the message. It returns the
// message's time.
func verifyWebhook(key []byte, id, ts, sigs string, body []byte, now time.Time) (time.Time, error) {
	if id == "" || ts == "" || sigs == "" {
		return time.Time{}, fmt.Errorf("%w: the %s, %s and %s headers are required", errWebhookSignature, webhookIDHeader, webhookTimestampHeader, webhookSignatureHeader)
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s %q is not a Unix time in seconds", errWebhookSignature, webhookTimestampHeader, ts)
	}
	at := time.Unix(secs, 0)
	if d := now.Sub(at); d > webhookTolerance || d < -webhookTolerance {
		return time.Time{}, fmt.Errorf("%w: %s is more than %v away from the server's clock", errWebhookSignature, webhookTimestampHeader, webhookTolerance)
	}
	want := []byte(webhookSignature(key, id, secs, body))
	for sig := range strings.FieldsSeq(sigs) {
		if hmac.Equal([]byte(sig), want) {
			return at, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: no valid v1 signature", errWebhookSignature)
}
