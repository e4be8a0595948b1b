package main

import "testing"

func TestExplore(t *testing.T) {
	src := serveDir(t, copyExamples(t))
	out := t.TempDir()
	mustRun(t, "-a", "-l", "2", src.url+"/api/", out)
	for _, r := range src.log.all() {
		t.Log(r.method, r.uri)
	}
}
