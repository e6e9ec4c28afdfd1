package postgres_test

import (
	"testing"

	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t) })
}
