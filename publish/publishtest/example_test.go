package publishtest_test

import (
	"testing"

	"github.com/halcytone/halcytone/publish/publishtest"
)

// Every publisher runs the suite from its own tests against its fake. The
// reference publisher and fake show the minimum a publisher must do:
// idempotent Publish, classified errors, Lookup after an unknown outcome.
func ExampleRun() {
	// In a _test.go file of your publisher's package:
	_ = func(t *testing.T) {
		publishtest.Run(t, publishtest.ReferenceHarness())
	}
}
