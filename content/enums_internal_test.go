package content

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChannelSpellings(t *testing.T) {
	want := map[Channel][]string{
		ChannelEmail:     {"email", "newsletter"},
		ChannelWebsite:   {"website", "web"},
		ChannelTwitter:   {"twitter", "x", "social_twitter", "social_x"},
		ChannelLinkedIn:  {"linkedin", "social_linkedin"},
		ChannelFacebook:  {"facebook", "social_facebook"},
		ChannelInstagram: {"instagram", "social_instagram"},
	}
	require.Len(t, want, len(Channels()), "every channel has its expected list")
	for _, c := range Channels() {
		got := ChannelSpellings(c)
		assert.Equal(t, want[c], got, "ChannelSpellings(%q)", c)
		for _, s := range got {
			p, err := ParseChannel(s)
			if assert.NoError(t, err, "ParseChannel(%q)", s) {
				assert.Equal(t, c, p, "ParseChannel(%q)", s)
			}
		}
	}
	for _, c := range []Channel{"", "web", "social_x", "Website", "sms"} {
		assert.Nil(t, ChannelSpellings(c), "ChannelSpellings(%q): not a channel of Channels", c)
	}
	got := ChannelSpellings(ChannelEmail)
	got[0] = "changed"
	assert.Equal(t, "email", ChannelSpellings(ChannelEmail)[0], "each call returns a fresh slice")
}

// TestChannelSpellingsCoverAliases checks the lists against the alias
// tables ParseChannel and ParsePlatform read, so that a new alias shows up
// in ChannelSpellings.
func TestChannelSpellingsCoverAliases(t *testing.T) {
	for _, a := range channelAliases {
		assert.Contains(t, ChannelSpellings(a.c), a.name, "channel alias %q", a.name)
	}
	for _, a := range platformAliases {
		assert.Contains(t, ChannelSpellings(Channel(a.p)), a.name, "platform alias %q", a.name)
		assert.Contains(t, ChannelSpellings(Channel(a.p)), socialPrefix+a.name, "platform alias %q after the prefix", a.name)
	}
	for _, p := range Platforms() {
		assert.Contains(t, ChannelSpellings(Channel(p)), socialPrefix+string(p), "platform %q after the prefix", p)
	}
}

// FuzzChannelSpellings: a lower-case spelling without spaces that
// ParseChannel reads as c is one of ChannelSpellings(c), and nothing else
// lists it. The seeds run with go test.
func FuzzChannelSpellings(f *testing.F) {
	var names []string
	for _, c := range Channels() {
		names = append(names, string(c))
	}
	for _, a := range channelAliases {
		names = append(names, a.name)
	}
	for _, a := range platformAliases {
		names = append(names, a.name)
	}
	for _, n := range names {
		for _, s := range []string{n, socialPrefix + n, socialPrefix + socialPrefix + n, n + "s"} {
			f.Add(s)
		}
	}
	f.Add("")
	f.Add(socialPrefix)
	f.Fuzz(func(t *testing.T, s string) {
		if s != strings.ToLower(s) || strings.ContainsFunc(s, unicode.IsSpace) {
			t.Skip("not a lower-case spelling without spaces")
		}
		c, err := ParseChannel(s)
		for _, other := range Channels() {
			listed := slices.Contains(ChannelSpellings(other), s)
			if err == nil && other == c {
				if !listed {
					t.Errorf("ParseChannel(%q) = %q, but ChannelSpellings(%q) misses it", s, c, c)
				}
			} else if listed {
				t.Errorf("ChannelSpellings(%q) lists %q, which ParseChannel reads as %q (%v)", other, s, c, err)
			}
		}
	})
}
