package host

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// PinsFile holds SHA-256 pins for plugin binaries, in sha256sum's format:
// one "HEX  NAME" per line, NAME being the plugin's name or its binary's
// file name. A pinned plugin whose binary hashes differently is refused.
const PinsFile = "plugins.sha256"

// LoadPins reads a pins file; a missing file means no pins.
func LoadPins(path string) (map[string][]byte, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pins := map[string][]byte{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("%s:%d: want \"SHA256  NAME\", got %q", path, n, line)
		}
		sum, err := hex.DecodeString(fields[0])
		if err != nil || len(sum) != sha256.Size {
			return nil, fmt.Errorf("%s:%d: %q is not a SHA-256 in hex", path, n, fields[0])
		}
		name := strings.TrimPrefix(filepath.Base(strings.TrimPrefix(fields[1], "*")), BinaryPrefix)
		pins[name] = sum
	}
	return pins, sc.Err()
}
