package wire

import "context"

type commitsKey struct{}

// WithCommitsReleased is ctx carrying the channel a held write's commits
// wait on (Write.Request.hold_commits); the SDK's plugin server sets it.
func WithCommitsReleased(ctx context.Context, released <-chan struct{}) context.Context {
	return context.WithValue(ctx, commitsKey{}, released)
}

// CommitsReleased is the channel WithCommitsReleased put in ctx, if any.
func CommitsReleased(ctx context.Context) (<-chan struct{}, bool) {
	c, ok := ctx.Value(commitsKey{}).(<-chan struct{})
	return c, ok
}
