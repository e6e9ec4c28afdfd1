package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/sqlite"
	"github.com/halcytone/halcytone/store/storetest"
)

// openTemp opens a store in a fresh temporary file, closed at cleanup.
func openTemp(tb testing.TB, opts ...sqlite.Option) (*sqlite.Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "halcytone.db")
	s, err := sqlite.Open(context.Background(), path, opts...)
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, s.Close()) })
	return s, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openTemp(t)
		return s
	})
}

func TestConformanceWithoutReadPool(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openTemp(t, sqlite.WithReadConns(0))
		return s
	})
}
