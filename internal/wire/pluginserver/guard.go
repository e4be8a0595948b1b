package pluginserver

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/resource-sync/resource-sync/sdk"
)

// guard runs component code, turning a panic into an error that names the
// plugin, so one bad document cannot take the whole sync down silently.
func guard(plugin string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			sdk.Logger().Debug("panic in plugin code", "plugin", plugin, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("plugin %s panicked: %v", plugin, r)
		}
	}()
	return fn()
}

// panicInterceptors recover panics anywhere in a call's goroutine and
// answer codes.Internal naming the plugin.
func panicInterceptors(plugin string) []grpc.ServerOption {
	unary := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
		err = guard(plugin, func() (err error) {
			resp, err = h(ctx, req)
			return err
		})
		return resp, asStatus(err)
	}
	stream := func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		return asStatus(guard(plugin, func() error { return h(srv, ss) }))
	}
	return []grpc.ServerOption{grpc.ChainUnaryInterceptor(unary), grpc.ChainStreamInterceptor(stream)}
}

// asStatus keeps gRPC statuses and wraps anything else as Unknown with its
// message, so the host shows the plugin's own words.
func asStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	return status.Error(codes.Unknown, strings.ToValidUTF8(err.Error(), "\uFFFD"))
}
