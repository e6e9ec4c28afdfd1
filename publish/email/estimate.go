package email

import (
	"strings"
	"unicode/utf8"

	"github.com/halcytone/halcytone/content"
)

// GmailClipBytes is the HTML size past which Gmail clips a message.
const GmailClipBytes = 102 << 10

// DeliverabilityEstimate returns a rough 0-100 score of how likely the
// newsletter is to reach inboxes rather than spam folders. It is an
// estimate from the message alone, not a measurement: it starts at 100 and
// subtracts 20 for each spam trigger in the subject (content.SpamTriggers),
// 15 for a subject outside 10-100 characters, 15 for a missing text part,
// 15 for HTML over GmailClipBytes, 20 for a missing unsubscribe link
// (content.MergeUnsubscribeURL), and 10 for a subject in capitals.
func DeliverabilityEstimate(nl *content.Newsletter) float64 {
	if nl == nil {
		return 0
	}
	score := 100
	subject := strings.ToLower(nl.Subject)
	for _, t := range content.SpamTriggers() {
		if strings.Contains(subject, t) {
			score -= 20
		}
	}
	if n := utf8.RuneCountInString(nl.Subject); n < content.MinSubjectLength || n > content.MaxSubjectLength {
		score -= 15
	}
	if strings.TrimSpace(nl.Text) == "" {
		score -= 15
	}
	if len(nl.HTML) > GmailClipBytes {
		score -= 15
	}
	if !strings.Contains(nl.HTML, content.MergeUnsubscribeURL) && !strings.Contains(nl.Text, content.MergeUnsubscribeURL) {
		score -= 20
	}
	if len(nl.Subject) > 10 && nl.Subject == strings.ToUpper(nl.Subject) {
		score -= 10
	}
	return float64(max(score, 0))
}
