// Command peakrss runs a command and writes the peak RSS of its largest
// process, in KiB, and the CPU seconds it and its descendants used (user
// and system), to a file: peakrss FILE COMMAND [ARG...].
//
// The benchmarks cannot read it from their own children: Go starts a
// child with vfork, and Linux counts the parent's resident memory at that
// moment in the child's peak. Started from this small program instead,
// the command's peak (the maximum over it and the descendants it waited
// for) is its own, give or take this program's few MiB.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: peakrss FILE COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if werr := os.WriteFile(os.Args[1], fmt.Appendf(nil, "%d %f\n", ru.Maxrss, cpu.Seconds()), 0o644); werr != nil {
		fmt.Fprintln(os.Stderr, werr)
		os.Exit(2)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
