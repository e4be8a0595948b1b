// Package iostreams owns the command's standard streams, so commands can
// be tested with buffers and know when they talk to a terminal.
package iostreams

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// IOStreams are a command's input and outputs: data goes to Out, status
// and progress to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stderrTTY bool
	stdinFd   int
	stdinTTY  *bool // set by tests
}

// System returns the process's streams.
func System() *IOStreams {
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())), stdinFd: int(os.Stdin.Fd())}
}

// Test returns streams backed by buffers.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, stdinFd: -1}, in, out, errOut
}

// IsStderrTTY tells whether progress can be drawn.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// CanPrompt tells whether the user can be asked for a password.
func (s *IOStreams) CanPrompt() bool {
	if s.stdinTTY != nil {
		return *s.stdinTTY
	}
	return s.stdinFd >= 0 && term.IsTerminal(s.stdinFd)
}

// SetStdinTTY makes CanPrompt answer tty, for tests.
func (s *IOStreams) SetStdinTTY(tty bool) { s.stdinTTY = &tty }

// ReadPassword prompts on ErrOut and reads a line from the terminal
// without echo.
func (s *IOStreams) ReadPassword(prompt string) (string, error) {
	io.WriteString(s.ErrOut, prompt)
	pw, err := term.ReadPassword(s.stdinFd)
	io.WriteString(s.ErrOut, "\n")
	return string(pw), err
}

// Confirm asks a yes/no question on ErrOut and reads the answer from In;
// anything but "y" or "yes" is no.
func (s *IOStreams) Confirm(prompt string) (bool, error) {
	io.WriteString(s.ErrOut, prompt)
	line, err := bufio.NewReader(s.In).ReadString('\n')
	if err != nil && line == "" {
		return false, err
	}
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes", nil
}
