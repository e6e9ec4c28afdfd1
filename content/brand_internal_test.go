package content

import (
	"reflect"
	"strings"
	"testing"
)

// lowerClaims is CheckClaims as defined: containsCue over
// strings.ToLower(text).
func lowerClaims(field, text string) []Issue {
	lower := strings.ToLower(text)
	var out []Issue
	for _, c := range prohibitedClaims {
		if containsCue(lower, []string{c}) {
			out = append(out, Issue{Severity: SeverityError, Field: field, Code: CodeProhibitedClaim,
				Message: "prohibited claim \"" + c + "\": health and absolute claims are not allowed"})
		}
	}
	return out
}

var claimTexts = []string{
	"",
	"cure",
	"Cures, TREATED and Diagnosing.",
	"retreat treatise procure secure",
	"We are GUARANTEED to be 100% EFFECTIVE with instant results!",
	"100% effectiveness, 100% effectived, a100% effective",
	"miracles miracled miracling miracle-worker",
	"instant  results (two spaces) and instant\nresults",
	"\u212Aelvin sign and İNSTANT RESULTS and MİRACLE and DİAGNOSE",
	"curé cure\u0301 ĉure cureś",
	"\xffcure\xff treat\xc3 \xe2\x80cure",
	"日本cure 治treat",
	"٣cure cure٣ ²treat",
	"treates treatess treateds treatings",
	"cur", "trea", "guarantee", "100%", "instant",
	"diagnoses diagnosed diagnosing diagnosees",
}

func TestCheckClaimsMatchesLowerCase(t *testing.T) {
	for _, s := range claimTexts {
		checkClaims(t, s)
	}
}

// FuzzCheckClaims compares CheckClaims with its definition over
// strings.ToLower.
func FuzzCheckClaims(f *testing.F) {
	for _, s := range claimTexts {
		f.Add(s)
	}
	f.Fuzz(checkClaims)
}

func checkClaims(t *testing.T, s string) {
	t.Helper()
	if got, want := CheckClaims("f", s), lowerClaims("f", s); !reflect.DeepEqual(got, want) {
		t.Errorf("CheckClaims(%q) = %v, want %v", s, got, want)
	}
}

// BenchmarkCheckClaims checks a 5 KB text without claims, the usual case.
func BenchmarkCheckClaims(b *testing.B) {
	text := strings.Repeat("Slow, steady breathing at about six breaths a minute is easy to learn and pleasant to practise. Treatment-free. ", 45)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		CheckClaims("content", text)
	}
}
