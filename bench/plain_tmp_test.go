package bench

import (
	"os"
	"testing"
	"time"
)

func TestPlainTmp(t *testing.T) {
	addr := os.Getenv("PLAIN_ADDR")
	if addr == "" {
		t.Skip()
	}
	start := time.Now()
	if err := plainPush(t.Context(), plainClient(), os.Getenv("PLAIN_SRC"), "http://"+addr); err != nil {
		t.Fatal(err)
	}
	t.Logf("plain push: %v", time.Since(start))
}
