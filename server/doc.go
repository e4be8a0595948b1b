// Package server serves a directory tree in the dir endpoint's layout as a
// microcosm-style HAL API: the library behind `resource-sync serve DIR`.
//
// The tree holds one resource per file, <dir>/<type>/<id>.<ext>, in any
// format the caller passes in [Options.Formats]; hidden files and
// directories and files with other extensions are skipped. [New] loads the
// whole tree into memory as canonical JSON, and [Server.Handler] serves it:
//
//	GET     /api/               discovery: a "search" link per collection
//	GET     <collection>[/]     a Search page: items, count, offset, limit, next/prev
//	PATCH   <collection>        {"items": [...]}: create or replace each item
//	GET     <resource>          the resource
//	PUT     <resource>          create (201) or replace (200)
//	DELETE  <resource>          204
//	OPTIONS <anything>          204 with Allow
//	GET     <collection>/transactions, /api/transactions
//	                            the transaction log since ?after=CURSOR or
//	                            ?earliest=TIME (410: read everything again)
//	PUT     <collection>/transactions, /api/transactions
//	                            a client's log, applied as one optimistic
//	                            transaction: 200, or 409 and nothing applied
//
// GET, PUT and DELETE of a resource carry its strong ETag; PUT and DELETE
// honour If-Match and If-None-Match (412 when they do not hold).
//
// A resource's path is the path of its stored _links.self.href, or
// /api/<type>/<id> when it has none; its collection is that path minus the
// last segment. The host part of stored hrefs is never trusted: every link
// is served rebased onto the scheme and Host of the request, so the same
// files work behind any address.
//
// When the server sets a self href (the body had none, or it named another
// path) it stores it path-only ("/api/v1/order/o1"), so files written by the
// server do not record the port it happened to run on. Other hrefs are
// stored as sent.
//
// Writes are atomic per file (a temporary file renamed over the old one),
// keep the format of the file they replace, and do not touch a file whose
// bytes would not change. The server assumes it owns the directory while it
// runs: files changed behind its back are not re-read.
package server
