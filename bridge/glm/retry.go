package glm

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"time"
)

// Retry defaults.
const (
	DefaultMaxAttempts   = 4
	DefaultBackoffBase   = time.Second
	DefaultBackoffMax    = 30 * time.Second
	DefaultMaxRetryAfter = 2 * time.Minute
)

// transportError is a failure to get an answer at all (refused, reset, cut before any output).
// Nothing reached the caller, so the request may be sent again.
type transportError struct{ err error }

func (e *transportError) Error() string { return "glm: connection failed: " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// retryable reports whether err may go away if the same request is sent again.
func retryable(err error) bool {
	var api *APIError
	if errors.As(err, &api) {
		return api.Retryable
	}
	var te *transportError
	if !errors.As(err, &te) {
		return false
	}
	// A name that does not exist will not exist a second later.
	var dns *net.DNSError
	return !errors.As(err, &dns) || !dns.IsNotFound || dns.IsTemporary
}

// jittered returns the exponential backoff for the given retry (1 for the first), drawn
// uniformly from its upper half so that clients that failed together do not retry together.
func jittered(base, maxWait time.Duration) func(int) time.Duration {
	return func(retry int) time.Duration {
		d := base
		for i := 1; i < retry && d < maxWait; i++ {
			d *= 2
		}
		d = min(d, maxWait)
		if d <= 1 {
			return d
		}
		half := d / 2
		return half + rand.N(d-half+1)
	}
}

// delay is how long to wait before the next attempt; ok is false when the server asked for a
// wait longer than the client will sit through.
func (c *Client) delay(retry int, err error) (time.Duration, bool) {
	var api *APIError
	if errors.As(err, &api) && api.RetryAfter > 0 {
		return api.RetryAfter, api.RetryAfter <= c.maxRetryAfter
	}
	return c.backoff(retry), true
}

// sleepCtx waits for d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
