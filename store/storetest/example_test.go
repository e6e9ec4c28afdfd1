package storetest_test

import (
	"testing"

	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/storetest"
)

// A store driver proves itself by passing the suite from its own tests,
// each subtest on a fresh, empty store.
func ExampleRun() {
	// In a _test.go file of your driver's package:
	_ = func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store {
			s := mock.NewStore() // your driver, opened on an empty database
			t.Cleanup(func() { _ = s.Close() })
			return s
		})
	}
}
