package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

func TestRunRecordsEveryChannelAndSendsNothing(t *testing.T) {
	guard := &netGuard{}
	records := map[content.Channel][]publish.DryRunRecord{}
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, config{guard: guard, records: records}))

	assert.Empty(t, guard.Requests(), "a publisher tried to reach the network")
	assert.Contains(t, out.String(), "Requests the publishers sent over the network: 0")
	assert.Contains(t, out.String(), `Fetched gdocs:`+docID+`: "Breathscape news", 2 sections, 3 items`)

	textJob := ""
	for _, ch := range content.Channels() {
		t.Run(string(ch), func(t *testing.T) {
			recs := records[ch]
			require.Len(t, recs, 1, "one dry-run record per channel")
			r := recs[0]
			assert.Equal(t, ch, r.Delivery.Channel)
			assert.True(t, r.Receipt.DryRun, "a dry-run receipt")
			assert.NotEmpty(t, r.Delivery.IdempotencyKey)
			assert.NotEmpty(t, r.Preview.Payload, "the payload that would be sent")
			assert.Contains(t, out.String(), "\n== "+string(ch)+" (publisher ", "the channel is printed")
			assert.Contains(t, out.String(), r.Delivery.IdempotencyKey)

			payload := string(r.Preview.Payload)
			switch ch {
			case content.ChannelInstagram:
				assert.Contains(t, payload, "image_url=https%3A%2F%2Fbreathscape.example%2Fmedia%2Fwind-down.jpg")
				assert.Contains(t, payload, "Wind-down")
			case content.ChannelEmail:
				assert.Contains(t, payload, `"subject":"Breathscape news"`)
			default:
				assert.Contains(t, payload, "Wind-down", "the document's lead item")
			}
			if ch != content.ChannelInstagram {
				if textJob == "" {
					textJob = r.Delivery.JobID
				}
				assert.Equal(t, textJob, r.Delivery.JobID, "the document's channels share one job")
			}
		})
	}
	assert.NotEqual(t, textJob, records[content.ChannelInstagram][0].Delivery.JobID, "Instagram is a job of its own")
	assert.Contains(t, out.String(), "Instagram from the document alone: refused")
}

func TestRunFullPrintsPayloadsVerbatim(t *testing.T) {
	records := map[content.Channel][]publish.DryRunRecord{}
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, config{full: true, records: records}))
	for ch, recs := range records {
		assert.Contains(t, out.String(), "    "+string(recs[0].Preview.Payload)+"\n", "%s payload verbatim", ch)
	}
	assert.NotContains(t, out.String(), "-full prints all")
}

func TestNetGuardRefusesAndRecords(t *testing.T) {
	guard := &netGuard{}
	client := &http.Client{Transport: guard}
	resp, err := client.Get("https://x.invalid/2/tweets")
	if resp != nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err)
	assert.Equal(t, []string{"GET https://x.invalid/2/tweets"}, guard.Requests())
}

func TestReadableCutsLongTexts(t *testing.T) {
	long := strings.Repeat("a", previewRunes+5)
	got := readable([]byte(`{"subject":"Hi <b>","html":"`+long+`"}`), previewRunes)
	assert.Contains(t, got, `"subject": "Hi <b>"`, "JSON indented, HTML not escaped")
	assert.Contains(t, got, "… (5 more characters; -full prints all)")

	form := readable([]byte("message=Hello+there&link=https%3A%2F%2Fexample.com"), previewRunes)
	assert.Equal(t, "link: https://example.com\nmessage: Hello there", form)
}
