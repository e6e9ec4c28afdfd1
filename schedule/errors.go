package schedule

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/halcytone/halcytone/store"
)

// invalidf returns an error wrapping store.ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("schedule: %s: %w", fmt.Sprintf(format, args...), store.ErrInvalid)
}

// discardBelowWarn passes only warnings and errors to its handler: River
// logs every start and stop at info level.
type discardBelowWarn struct{ h slog.Handler }

func (d discardBelowWarn) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && d.h.Enabled(ctx, l)
}

func (d discardBelowWarn) Handle(ctx context.Context, r slog.Record) error { return d.h.Handle(ctx, r) }

func (d discardBelowWarn) WithAttrs(attrs []slog.Attr) slog.Handler {
	return discardBelowWarn{d.h.WithAttrs(attrs)}
}

func (d discardBelowWarn) WithGroup(name string) slog.Handler {
	return discardBelowWarn{d.h.WithGroup(name)}
}
