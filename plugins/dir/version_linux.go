package dir

import (
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// settle is how long after its last change a file gets a version. Within
// it, a second change could leave every timestamp as the first one left
// it (they move by the kernel's clock tick, and by 2 s on FAT), so the
// file is read every time until then.
const settle = 2 * time.Second

// fileVersion is a regular file's version (sdk.Document.Version): its
// device, inode, size, and modification and change times. Writing a file
// moves its change time, which no one can set back, and replacing it
// (renameio, this plugin's writes) changes its inode. Empty while the
// file is not settled.
func fileVersion(st *unix.Stat_t, now time.Time) string {
	limit := now.Add(-settle).UnixNano()
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Mtim.Nano() > limit || st.Ctim.Nano() > limit {
		return ""
	}
	b := make([]byte, 0, 64)
	for i, v := range []int64{int64(st.Dev), int64(st.Ino), st.Size, st.Mtim.Nano(), st.Ctim.Nano()} {
		if i > 0 {
			b = append(b, '-')
		}
		b = strconv.AppendInt(b, v, 36)
	}
	return string(b)
}
