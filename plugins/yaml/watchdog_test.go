package yaml

import (
	"fmt"
	"time"
)

func watchdog(content []byte) func() {
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			panic(fmt.Sprintf("slow input %q", content))
		}
	}()
	return func() { close(done) }
}
