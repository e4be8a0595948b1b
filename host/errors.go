package host

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// UsageError is a mistake in what the user asked for (an unknown format, an
// endpoint no plugin handles); the CLI exits 2 for it.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// CrashError reports a plugin process that died under the host.
type CrashError struct {
	Plugin  string
	Process string // Source.Process of a plugin sharing its process
	Stderr  string // its last stderr lines
}

func (e *CrashError) Error() string {
	msg := fmt.Sprintf("plugin %s crashed", e.Plugin)
	if e.Process != "" {
		// Any of them may have brought the process down: the stderr says.
		msg = fmt.Sprintf("plugin %s failed: the process it shares with the other %s crashed", e.Plugin, e.Process)
	}
	if strings.TrimSpace(e.Stderr) != "" {
		msg += "; its last words on stderr:\n" + e.Stderr
	}
	return msg
}

// PluginError is a failure a plugin reported for a whole call.
type PluginError struct {
	Plugin string
	Msg    string
}

func (e *PluginError) Error() string { return e.Msg }

// callError explains an error from a call into p: a crash, a
// cancellation, or the plugin's own message.
func (p *Plugin) callError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var broke *ProtocolError
	if errors.As(err, &broke) {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var crash *CrashError
	if errors.As(err, &crash) {
		return err
	}
	st, _ := status.FromError(err)
	if p.exited(st.Code()) {
		return &CrashError{Plugin: p.Name(), Process: p.process, Stderr: p.stderr.String()}
	}
	switch st.Code() {
	case codes.Canceled:
		return context.Canceled
	case codes.ResourceExhausted:
		return &PluginError{Plugin: p.Name(), Msg: fmt.Sprintf("plugin %s: message too large: %s", p.Name(), st.Message())}
	}
	return &PluginError{Plugin: p.Name(), Msg: st.Message()}
}

// exited tells whether the plugin process is gone; a transport failure
// usually arrives a moment before go-plugin notices the exit.
func (p *Plugin) exited(code codes.Code) bool {
	if p.client == nil {
		return false
	}
	if p.client.Exited() {
		return true
	}
	if code != codes.Unavailable && code != codes.Internal && code != codes.Unknown {
		return false
	}
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		if p.client.Exited() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return code == codes.Unavailable
}

// diagnosticError turns a plugin's diagnostic into an error for the user.
func diagnosticError(d *pb.Diagnostic) error {
	if d == nil {
		return nil
	}
	return fromproto.Error(d)
}
