package fifo_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/halcytone/halcytone/internal/fifo"
)

func TestMap(t *testing.T) {
	m := fifo.New[string, int](3)
	assert.Zero(t, m.Len())
	_, ok := m.Get("a")
	assert.False(t, ok, "empty")
	m.Put("a", 1)
	m.Put("b", 2)
	m.Put("c", 3)
	m.Put("a", 10) // updated in place: still the oldest
	v, ok := m.Get("a")
	assert.True(t, ok)
	assert.Equal(t, 10, v)
	assert.Equal(t, 3, m.Len())

	m.Put("d", 4)
	_, ok = m.Get("a")
	assert.False(t, ok, "d pushes the oldest, a, out")
	for k, want := range map[string]int{"b": 2, "c": 3, "d": 4} {
		v, ok := m.Get(k)
		assert.True(t, ok, k)
		assert.Equal(t, want, v, k)
	}
	m.Put("e", 5)
	m.Put("f", 6)
	m.Put("g", 7)
	assert.Equal(t, 3, m.Len(), "never more than its size")
	for _, k := range []string{"b", "c", "d"} {
		_, ok := m.Get(k)
		assert.False(t, ok, k)
	}
}

func TestMapSizeAtLeastOne(t *testing.T) {
	m := fifo.New[int, bool](0)
	m.Put(1, true)
	m.Put(2, true)
	assert.Equal(t, 1, m.Len())
	_, ok := m.Get(2)
	assert.True(t, ok)
}
