package publishtest_test

import (
	"testing"

	"github.com/halcytone/halcytone/publish/publishtest"
)

func TestReferencePublisherConforms(t *testing.T) {
	publishtest.Run(t, publishtest.ReferenceHarness())
}
