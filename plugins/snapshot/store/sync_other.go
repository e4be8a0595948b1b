//go:build !linux

package store

import "errors"

// syncFS is Linux's; elsewhere each new blob is synced on its own.
func syncFS(string) error { return errors.New("syncfs: not supported") }
