// Package fifo provides Map, a map of bounded size that forgets its
// oldest key to make room for a new one.
package fifo

// Map holds at most its size in keys; putting a new key into a full Map
// first removes the key put longest ago. Its zero value is not usable:
// make one with New. It allocates on the first Put, so an unused Map holds
// no memory. It is not safe for concurrent use.
type Map[K comparable, V any] struct {
	n    int
	m    map[K]V
	ring []K // keys in the order put, oldest at next once full
	next int
}

// New returns an empty Map of at most n keys (at least 1).
func New[K comparable, V any](n int) *Map[K, V] {
	return &Map[K, V]{n: max(n, 1)}
}

// Get returns the value of k and whether m holds k.
func (m *Map[K, V]) Get(k K) (V, bool) {
	v, ok := m.m[k]
	return v, ok
}

// Put sets k to v. A key already held keeps its place in the order; a new
// one becomes the newest, removing the oldest when m is full.
func (m *Map[K, V]) Put(k K, v V) {
	if _, ok := m.m[k]; ok {
		m.m[k] = v
		return
	}
	if m.m == nil {
		m.m = make(map[K]V, m.n)
		m.ring = make([]K, 0, m.n)
	}
	if len(m.ring) < m.n {
		m.ring = append(m.ring, k)
	} else {
		delete(m.m, m.ring[m.next])
		m.ring[m.next] = k
		m.next = (m.next + 1) % m.n
	}
	m.m[k] = v
}

// Len returns the number of keys m holds.
func (m *Map[K, V]) Len() int { return len(m.m) }
