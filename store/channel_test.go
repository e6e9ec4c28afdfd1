package store_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/store"
)

func TestChannelKey(t *testing.T) {
	for spelling, want := range map[string]string{
		"website":         "website",
		"web":             "website",
		"Web":             "website",
		" WEBSITE\t":      "website",
		"x":               "twitter",
		"Social_X":        "twitter",
		"newsletter":      "email",
		"websites":        "websites", // no channel: itself
		"Websites":        "Websites",
		"":                "",
		"social_websites": "social_websites",
	} {
		assert.Equal(t, want, store.ChannelKey(spelling), "%q", spelling)
	}
	// Every spelling of a channel has the channel's key, and no value
	// ParseChannel refuses shares a channel's key.
	for _, c := range content.Channels() {
		for _, s := range content.ChannelSpellings(c) {
			assert.Equal(t, string(c), store.ChannelKey(s), "%q", s)
		}
	}
}

func TestDistinctChannels(t *testing.T) {
	in := []string{"", "X", "email", "twitter", "Email", "custom", "x", "custom", "Custom", "web"}
	assert.Equal(t, []string{"X", "email", "custom", "Custom", "web"}, store.DistinctChannels(in))
	assert.Equal(t, []string{"", "X", "email", "twitter", "Email", "custom", "x", "custom", "Custom", "web"}, in, "the argument is left as it was")
	assert.Empty(t, store.DistinctChannels(nil))
	assert.Empty(t, store.DistinctChannels([]string{"", ""}))
}
