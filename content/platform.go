package content

// PlatformRules are the hard limits of one social platform.
type PlatformRules struct {
	Platform    Platform `json:"platform"`
	MaxLength   int      `json:"max_length"`   // in the platform's own units (X: weighted)
	MaxHashtags int      `json:"max_hashtags"` // more is an error
	Weighted    bool     `json:"weighted"`     // length counted by twitter-text v3 weighting
	Threads     bool     `json:"threads"`      // long text becomes a numbered thread
	NeedsMedia  bool     `json:"needs_media"`  // a post without media draws a warning
}

var platformRules = map[Platform]PlatformRules{
	PlatformTwitter:   {Platform: PlatformTwitter, MaxLength: 280, MaxHashtags: 2, Weighted: true, Threads: true},
	PlatformLinkedIn:  {Platform: PlatformLinkedIn, MaxLength: 3000, MaxHashtags: 5},
	PlatformFacebook:  {Platform: PlatformFacebook, MaxLength: 63206, MaxHashtags: 5},
	PlatformInstagram: {Platform: PlatformInstagram, MaxLength: 2200, MaxHashtags: 30, NeedsMedia: true},
}

// RulesFor returns the limits of platform p, and false for an unknown one.
func RulesFor(p Platform) (PlatformRules, bool) {
	r, ok := platformRules[p]
	return r, ok
}

// Length returns the length of text as platform p counts it: the
// twitter-text v3 weighted length for X, code points for the others.
func Length(p Platform, text string) int {
	if r, ok := platformRules[p]; ok && r.Weighted {
		return WeightedLength(text)
	}
	n := 0
	for range text {
		n++
	}
	return n
}
