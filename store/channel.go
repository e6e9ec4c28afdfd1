package store

import (
	"slices"

	"github.com/halcytone/halcytone/content"
)

// ChannelKey is what a channel filter (JobFilter.Channel,
// StatsFilter.Channel) compares of a channel as a job or a filter spells
// it: the channel content.ParseChannel reads it as, or the spelling itself
// when ParseChannel reads none. Every spelling of one channel ("web",
// "Website", " social_x") has that channel's key; a value ParseChannel
// refuses has a key that only the same value has.
func ChannelKey(spelling string) string {
	if c, err := content.ParseChannel(spelling); err == nil {
		return string(c)
	}
	return spelling
}

// DistinctChannels returns channels as a job counts them: each channel
// once, under the first spelling that lists it (one per ChannelKey), and
// no empty spelling. It returns a new slice; channels is not changed.
func DistinctChannels(channels []string) []string {
	out := make([]string, 0, len(channels))
	keys := make([]string, 0, len(channels))
	for _, ch := range channels {
		if ch == "" {
			continue
		}
		if k := ChannelKey(ch); !slices.Contains(keys, k) {
			keys = append(keys, k)
			out = append(out, ch)
		}
	}
	return out
}
