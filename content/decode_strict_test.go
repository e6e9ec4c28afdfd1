package content_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
)

func TestDecodeStrict(t *testing.T) {
	_, err := content.DecodeStrict([]byte(`{"type":"update","title":"Firmware 1.4 is out","content":"Pairing is faster.","titel":"typo"}`))
	require.Error(t, err)
	assert.ErrorIs(t, err, content.ErrInvalidJSON)
	var ce *content.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, content.InvalidContent, ce.Class)
	assert.Equal(t, "titel", ce.Field)

	_, err = content.DecodeStrict([]byte(`{"type":"update","title":"Firmware 1.4 is out","content":"Pairing is faster.","urgency":"high"}`))
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "urgency", ce.Field, "a field of another type")

	c, err := content.DecodeStrict([]byte(`{"type":"announcement","title":"Pulse ships","content":"In January.","urgency":"high","metadata":{"anything":{"goes":1}}}`))
	require.NoError(t, err)
	assert.Equal(t, content.TypeAnnouncement, c.Kind())

	c, err = content.Decode([]byte(`{"type":"update","title":"Firmware 1.4 is out","content":"Pairing is faster.","titel":"typo"}`))
	require.NoError(t, err, "Decode ignores unknown fields")
	assert.Equal(t, "Firmware 1.4 is out", c.Common().Title)
}
