package content

import (
	"strings"
)

// ProhibitedClaims are phrases that brand rules forbid in any channel:
// medical and absolute claims a wellness brand must not make.
var prohibitedClaims = []string{"diagnose", "cure", "treat", "guaranteed", "100% effective", "miracle", "instant results"}

// ProhibitedClaims returns the phrases CheckClaims looks for.
func ProhibitedClaims() []string { return append([]string(nil), prohibitedClaims...) }

// CheckClaims returns one error issue (code CodeProhibitedClaim) for each
// prohibited claim in text, reported against field. Words are matched
// whole and case-insensitively, with their inflections ("cures", "treated",
// "diagnosing"), but not inside other words ("treatise" aside, "retreat"
// does not match "treat").
func CheckClaims(field, text string) []Issue {
	lower := strings.ToLower(text)
	var out []Issue
	for _, c := range prohibitedClaims {
		if containsCue(lower, []string{c}) {
			out = append(out, Issue{
				Severity: SeverityError,
				Field:    field,
				Code:     CodeProhibitedClaim,
				Message:  "prohibited claim \"" + c + "\": health and absolute claims are not allowed",
			})
		}
	}
	return out
}

// CodeProhibitedClaim is the issue code of a prohibited claim.
const CodeProhibitedClaim = "prohibited_claim"
