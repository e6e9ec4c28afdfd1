package store

import "github.com/halcytone/halcytone/content"

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
