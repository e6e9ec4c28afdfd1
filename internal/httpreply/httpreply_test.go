package httpreply_test

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/internal/httpreply"
)

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func TestRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		v     string
		limit time.Duration
		want  time.Duration
		ok    bool
	}{
		{"120", 0, 2 * time.Minute, true},
		{" 0 ", 0, 0, true},
		{"-5", 0, 0, false},
		{"", 0, 0, false},
		{"soon", 0, 0, false},
		{"9223372036854775807", 0, time.Duration(math.MaxInt64 / time.Second * time.Second), true},
		{"9223372037", 0, time.Duration(math.MaxInt64 / time.Second * time.Second), true},
		{"90000", 24 * time.Hour, 24 * time.Hour, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 0, 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, 0, true},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), 24 * time.Hour, 24 * time.Hour, true},
	} {
		got, ok := httpreply.RetryAfter(tt.v, now, tt.limit)
		assert.Equal(t, tt.want, got, "%q", tt.v)
		assert.Equal(t, tt.ok, ok, "%q", tt.v)
	}
}

func TestUntil(t *testing.T) {
	at := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	for _, tt := range []struct {
		v     string
		limit time.Duration
		want  time.Duration
		ok    bool
	}{
		{at(time.Minute), 0, time.Minute, true},
		{at(-time.Minute), 0, 0, true},
		{at(time.Hour), time.Minute, time.Minute, true},
		{"9223372036854775807", 0, math.MaxInt64, true}, // not the distant past
		{"-9223372036854775808", 0, 0, true},
		{"x", 0, 0, false},
		{"", 0, 0, false},
	} {
		got, ok := httpreply.Until(tt.v, now, tt.limit)
		assert.Equal(t, tt.want, got, "%q", tt.v)
		assert.Equal(t, tt.ok, ok, "%q", tt.v)
	}
}

func TestCut(t *testing.T) {
	assert.Equal(t, "short", httpreply.Cut("short", 5, "…"))
	assert.Equal(t, "ab…", httpreply.Cut("abc", 2, "…"))
	assert.Equal(t, "a...", httpreply.Cut("aé", 2, "..."), "é is not split")
	assert.Equal(t, "a…", httpreply.Cut("a😀", 4, "…"))
	assert.Equal(t, "…", httpreply.Cut("😀", 0, "…"))
	assert.Equal(t, "…", httpreply.Cut("ab", -1, "…"))
}

// FuzzRetryAfter: any header text gives a wait within [0, limit] that is
// the same on a second call, delay-seconds exactly (cut at the limit) and
// HTTP dates as the time until them.
func FuzzRetryAfter(f *testing.F) {
	for _, v := range []string{"120", "0", "-1", "9223372036854775807", "10000000000", " 7 ", "Wed, 21 Oct 2015 07:28:00 GMT",
		now.Add(time.Hour).Format(http.TimeFormat), "1e3", "+5", "0x10"} {
		f.Add(v, int64(0))
		f.Add(v, int64(24*time.Hour))
	}
	f.Fuzz(func(t *testing.T, v string, limit int64) {
		lim := time.Duration(limit)
		got, ok := httpreply.RetryAfter(v, now, lim)
		again, ok2 := httpreply.RetryAfter(v, now, lim)
		require.Equal(t, got, again)
		require.Equal(t, ok, ok2)
		require.GreaterOrEqual(t, got, time.Duration(0))
		if !ok {
			require.Zero(t, got)
			return
		}
		if lim > 0 {
			require.LessOrEqual(t, got, lim)
		}
		if secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			want := time.Duration(math.MaxInt64 / time.Second * time.Second)
			if secs <= int64(math.MaxInt64/time.Second) {
				want = time.Duration(secs) * time.Second
			}
			if lim > 0 {
				want = min(want, lim)
			}
			require.Equal(t, want, got, "%q", v)
		} else if d, err := http.ParseTime(strings.TrimSpace(v)); err == nil {
			want := max(d.Sub(now), 0)
			if lim > 0 {
				want = min(want, lim)
			}
			require.Equal(t, want, got, "%q", v)
		}
	})
}

// FuzzUntil: a reset time gives a wait within [0, limit]; one in the
// future a positive wait, exact while it fits a time.Duration.
func FuzzUntil(f *testing.F) {
	for _, s := range []int64{now.Unix() + 60, now.Unix() - 60, math.MaxInt64, math.MinInt64, 0, math.MaxInt64 / 2} {
		f.Add(strconv.FormatInt(s, 10), int64(0))
	}
	f.Add("not a time", int64(time.Minute))
	f.Fuzz(func(t *testing.T, v string, limit int64) {
		lim := time.Duration(limit)
		got, ok := httpreply.Until(v, now, lim)
		require.GreaterOrEqual(t, got, time.Duration(0))
		if lim > 0 {
			require.LessOrEqual(t, got, lim)
		}
		secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		require.Equal(t, err == nil, ok)
		if !ok || lim > 0 {
			return
		}
		if secs > now.Unix() {
			require.Positive(t, got, "%q is in the future", v)
		}
		if secs > now.Unix()-1e9 && secs < now.Unix()+1e9 {
			require.Equal(t, max(time.Unix(secs, 0).Sub(now), 0), got, "%q", v)
		}
	})
}

// FuzzCut: the cut text is s or a prefix of it plus the ellipsis, at most
// n bytes before the ellipsis and at least n-3, and valid UTF-8 when s is.
func FuzzCut(f *testing.F) {
	for _, s := range []string{"", "abc", "aé", "😀😀😀", "\xff\xfe\xfd\xfc", strings.Repeat("é", 150)} {
		f.Add(s, 3)
		f.Add(s, 200)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		got := httpreply.Cut(s, n, "…")
		n = max(n, 0)
		if len(s) <= n {
			require.Equal(t, s, got)
			return
		}
		head, ok := strings.CutSuffix(got, "…")
		require.True(t, ok)
		require.True(t, strings.HasPrefix(s, head))
		require.LessOrEqual(t, len(head), n)
		require.GreaterOrEqual(t, len(head), max(n-utf8.UTFMax+1, 0))
		if utf8.ValidString(s) {
			require.True(t, utf8.ValidString(got))
		}
	})
}
