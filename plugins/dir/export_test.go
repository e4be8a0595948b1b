package dir

import (
	"errors"
	"strconv"
	"testing"
)

// CommitFiles is how many staged files a commit takes at most.
const CommitFiles = commitFiles

// FailStaging makes the staging of the files named (by their number, a
// count from 0 in the order items come) fail until the test ends.
func FailStaging(t testing.TB, names ...string) {
	failing := map[string]bool{}
	for _, n := range names {
		failing[n] = true
	}
	testHookStageWrite = func(n int64) error {
		if failing[strconv.FormatInt(n, 10)] {
			return errors.New("disk on fire")
		}
		return nil
	}
	t.Cleanup(func() { testHookStageWrite = nil })
}
