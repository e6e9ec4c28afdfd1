package email

import (
	"context"
	"sync"
)

// Checkpoint stores the progress of a send under a key, so that a send
// interrupted half way resumes where it stopped. Load returns "" for a key
// never saved. The engine backs it with the store's delivery checkpoint.
// Implementations must be safe for concurrent use.
type Checkpoint interface {
	Load(ctx context.Context, key string) (string, error)
	Save(ctx context.Context, key, cursor string) error
}

// MemoryCheckpoint is an in-memory Checkpoint. Its zero value is ready to
// use; it is safe for concurrent use.
type MemoryCheckpoint struct {
	mu sync.Mutex
	m  map[string]string
}

var _ Checkpoint = (*MemoryCheckpoint)(nil)

// Load returns the cursor saved under key, or "".
func (c *MemoryCheckpoint) Load(_ context.Context, key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key], nil
}

// Save records cursor under key.
func (c *MemoryCheckpoint) Save(_ context.Context, key, cursor string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]string{}
	}
	c.m[key] = cursor
	return nil
}
