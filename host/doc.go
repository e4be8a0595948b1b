// Package host is the hub of resource-sync: it finds plugins, starts the
// ones a command needs, and moves resources between them. It knows no
// built-in plugin; the CLI hands those in as Builtins.
//
// Start with [New] and [Host.Sync].
package host
