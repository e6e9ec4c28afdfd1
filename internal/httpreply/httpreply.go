// Package httpreply reads what a remote server's reply says beyond its
// status: how long it asks the client to wait (Retry-After, and the Unix
// reset times of rate-limit headers) and a short, printable start of an
// error body. The publishers and sources share it, so that the overflow
// and UTF-8 edge cases are handled once.
package httpreply

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxSeconds is the most whole seconds a time.Duration holds.
const maxSeconds = int64(math.MaxInt64 / time.Second)

// RetryAfter reads a Retry-After value (RFC 9110, section 10.2.3) at now:
// delay-seconds or an HTTP date. It reports false for an absent or
// unreadable value, a negative delay among them. The wait is never
// negative (a past date asks for none) and at most limit; a limit of 0 or
// less means the longest time.Duration, so that a huge delay is cut
// instead of overflowing.
func RetryAfter(v string, now time.Time, limit time.Duration) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if limit <= 0 {
		limit = math.MaxInt64
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return min(time.Duration(min(secs, maxSeconds))*time.Second, limit), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), limit), true
	}
	return 0, false
}

// Until reads a rate-limit reset header's Unix time in seconds (such as
// x-rate-limit-reset) and returns the wait from now until then: never
// negative, at most limit (0 or less: the longest time.Duration). It
// reports false for an absent or unreadable value.
func Until(v string, now time.Time, limit time.Duration) (time.Duration, bool) {
	secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, false
	}
	if limit <= 0 {
		limit = math.MaxInt64
	}
	return min(max(Unix(secs).Sub(now), 0), limit), true
}

// Unix is time.Unix(secs, 0) for secs up to math.MaxInt64/2, a time no
// time.Duration from today reaches; larger values read as that, since
// time.Unix overflows into the distant past near math.MaxInt64.
func Unix(secs int64) time.Time {
	return time.Unix(min(secs, math.MaxInt64/2), 0)
}

// Cut returns s when it has at most n bytes (a negative n counts as 0),
// else its longest prefix of at most n bytes that does not split a UTF-8 character, followed by
// ellipsis. Cut never makes valid UTF-8 invalid; on invalid UTF-8 it steps
// back at most three bytes.
func Cut(s string, n int, ellipsis string) string {
	n = max(n, 0)
	if len(s) <= n {
		return s
	}
	for i := n; i > n-utf8.UTFMax && i >= 0; i-- {
		if utf8.RuneStart(s[i]) {
			n = i
			break
		}
	}
	return s[:n] + ellipsis
}
