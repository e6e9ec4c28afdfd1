package content

import "golang.org/x/text/unicode/norm"

// WeightedLength returns the length of text as X counts it (twitter-text
// v3): after NFC normalisation, code points in the light ranges weigh 1 and
// all others 2. TODO(assembly): URLs (23) and emoji sequences.
func WeightedLength(text string) int {
	n := 0
	for _, r := range norm.NFC.String(text) {
		if light(r) {
			n++
		} else {
			n += 2
		}
	}
	return n
}

func light(r rune) bool {
	return (r >= 0 && r <= 4351) || (r >= 8192 && r <= 8205) || (r >= 8208 && r <= 8223) || (r >= 8242 && r <= 8247)
}
