package source

import (
	"strings"
	"testing"
	"time"
)

// referenceParseDate is parseDate without the mayBeDate shortcut: every
// layout tried on every string.
func referenceParseDate(s string) (time.Time, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// referenceSplitDatePrefix is splitDatePrefix over referenceParseDate.
func referenceSplitDatePrefix(h string) (time.Time, string, bool) {
	if t, ok := referenceParseDate(h); ok {
		return t, "", true
	}
	for _, sep := range dateSeparators {
		if i := strings.Index(h, sep); i > 0 {
			if t, ok := referenceParseDate(h[:i]); ok {
				return t, strings.TrimSpace(h[i+len(sep):]), true
			}
		}
	}
	return time.Time{}, h, false
}

// dateHeadings are item headings and date values: with and without a
// date, in every layout, with every separator, and near misses.
var dateHeadings = []string{
	"", " ", "\t\n", "New sensor", "Breathing app 2", "Version 2.1", "Z", "ZZ 9Z",
	"2026-11-20", " 2026-11-20 ", "2026-11-20\u00a0", "2026-11-20\u2028", "2026-11-20\xff",
	"2026-11-20 — New sensor", "2026-11-20—New sensor", "2026-11-20 – New", "2026-11-20–New",
	"2026-11-20 - New", "2026-11-20 | New", "2026-11-20: New", "2026-11-20 · New",
	"2026-11-20 — Release 3", "2026-11-20 — Zone Z", "2026-11-20 — ", "— 2026-11-20",
	"2026-11-20T10:30:00Z", "2026-11-20T10:30:00.123456789Z", "2026-11-20T10:30:00+01:00",
	"2026-11-20T10:30:00z", "2026-11-20T10:30:00+01:0", "2026-11-20T10:30:00 Z",
	"2026-11-20T10:30:00Z — Launch", "2026-11-20T10:30:00", "2026-11-20T10:30:00.5",
	"2026-11-20T10:30:00,5", "2026-11-20T10:30", "2026-11-20 10:30:00", "2026-11-20 10:30",
	"2026-11-20  10:30", "2026-11-20\t10:30:00.25", "2026-11-20 10:30 — Call",
	"November 20, 2026", "november 20, 2026", "NOVEMBER 20 2026", "Nov 20, 2026",
	"nov 20 2026", "Nov. 20, 2026", "20 November 2026", "20 Nov 2026", "20 nov 2026",
	"Friday, November 20, 2026", "Fri, Nov 20, 2026", "Friday, November 20, 2026 — Ship",
	"Nov 20, 2026 | Update 4", "20 Nov 2026: 5 things", "2026-02-30", "2026-13-01",
	"2026-1-2", "26-11-20", "+2026-11-20", "-2026-11-20", "２０２６-11-20",
	"2026-11-20 — " + strings.Repeat("x", 80) + "1",
	strings.Repeat("2026 ", 20), strings.Repeat("9", 70), "Nov 20, 2026" + strings.Repeat(" ", 70),
	"Launch day 20 Nov 2026", "Sprint 12 — results 3", "v1.2.3", "3", "1999",
	"Mon, Jan 2, 2006", "Monday, January 2, 2006", "Jan 2 2006 - 9",
	"2026-11-20t10:30:00Z", "2026-11-20t10:30", "2026-11-20x10:30", "0001-01-01T00:00:00Z",
	"2026-11-2", "2026-11-201", "2026/11/20", "a2026-11-20", "7 Jan 2026", "J",
}

// TestLayoutMayRead checks that the gate before time.Parse lets through
// every date that each layout writes, whatever the time.
func TestLayoutMayRead(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("", -9*3600-30*60), time.FixedZone("", 14*3600)}
	for i := range 500 {
		tm := time.Unix(int64(i)*7_777_777_777%(1<<36), int64(i)*123_456_789%1e9).In(zones[i%len(zones)])
		for _, layout := range dateLayouts {
			s := tm.Format(layout)
			if _, err := time.Parse(layout, s); err == nil && !layoutMayRead(layout, s) {
				t.Fatalf("layoutMayRead(%q, %q) = false, and time.Parse reads it", layout, s)
			}
		}
	}
}

func TestParseDateMatchesReference(t *testing.T) {
	for _, s := range dateHeadings {
		checkParseDate(t, s)
	}
}

// FuzzParseDate compares parseDate and splitDatePrefix with their
// references.
func FuzzParseDate(f *testing.F) {
	for _, s := range dateHeadings {
		f.Add(s)
	}
	f.Fuzz(checkParseDate)
}

func checkParseDate(t *testing.T, s string) {
	t.Helper()
	got, gotOK := parseDate(s)
	want, wantOK := referenceParseDate(s)
	if gotOK != wantOK || !got.Equal(want) || got.String() != want.String() {
		t.Errorf("parseDate(%q) = %v, %v, want %v, %v", s, got, gotOK, want, wantOK)
	}
	gt, grest, gok := splitDatePrefix(s)
	wt, wrest, wok := referenceSplitDatePrefix(s)
	if gok != wok || grest != wrest || !gt.Equal(wt) || gt.String() != wt.String() {
		t.Errorf("splitDatePrefix(%q) = %v, %q, %v, want %v, %q, %v", s, gt, grest, gok, wt, wrest, wok)
	}
}

func TestCanonicalFlag(t *testing.T) {
	for key, want := range map[string]string{
		"type": flagType, " Content-Type ": flagType, "content type": flagType,
		"Scheduled-For": flagScheduledFor, "schedule time": flagScheduledFor,
		"DRY-RUN": flagDryRun, "dryrun": flagDryRun, "template style": flagTemplate,
		"unknown": "", "": "", "dry--run": "",
	} {
		got, ok := canonicalFlag(key)
		if got != want || ok != (want != "") {
			t.Errorf("canonicalFlag(%q) = %q, %v, want %q", key, got, ok, want)
		}
	}
}
