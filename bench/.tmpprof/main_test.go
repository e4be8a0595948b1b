package main

import (
	"os"
	"testing"
	"time"
	"runtime"

	"github.com/google/renameio/v2"
	"github.com/resource-sync/resource-sync/bench"
)

func TestPhases(t *testing.T) {
	dir, _ := os.MkdirTemp("/dev/shm", "prof-")
	defer os.RemoveAll(dir)
	bench.LocalGenerate(dir+"/src", 10000)
	start := time.Now()
	n, err := bench.LocalPlainConvert(dir+"/src", dir+"/dst")
	t.Log(n, err, time.Since(start), runtime.NumCPU())
	root, _ := os.OpenRoot(dir)
	os.Mkdir(dir+"/w", 0o755)
	start = time.Now()
	for i := range 2000 {
		renameio.WriteFile("w/f"+string(rune('a'+i%26))+time.Now().Format("150405.000000000"), []byte("hello"), 0o644, renameio.WithRoot(root))
	}
	t.Log("2000 renameio writes:", time.Since(start))
	start = time.Now()
	for i := range 2000 {
		os.WriteFile(dir+"/w/g"+time.Now().Format("150405.000000000")+string(rune('a'+i%26)), []byte("hello"), 0o644)
	}
	t.Log("2000 plain writes:", time.Since(start))
}
