package cmdutil

import (
	"fmt"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/pflag"
)

// LogFlags are -v/--verbose and --log-level, shared by every command that
// starts plugins.
type LogFlags struct {
	Verbose int
	Level   string
}

// Register adds the flags to fs.
func (l *LogFlags) Register(fs *pflag.FlagSet) {
	fs.CountVarP(&l.Verbose, "verbose", "v", "say more: -v logs each fetch and override, -vv adds plugin debug logs")
	fs.StringVar(&l.Level, "log-level", "", "log level: error, warn, info, debug or trace (overrides -v)")
}

// Resolve is the level the flags ask for; warnings by default.
func (l *LogFlags) Resolve() (hclog.Level, error) {
	if l.Level != "" {
		lvl := hclog.LevelFromString(l.Level)
		if lvl == hclog.NoLevel {
			return 0, FlagErrorf("invalid --log-level %q: want error, warn, info, debug or trace", l.Level)
		}
		return lvl, nil
	}
	switch {
	case l.Verbose >= 3:
		return hclog.Trace, nil
	case l.Verbose == 2:
		return hclog.Debug, nil
	case l.Verbose == 1:
		return hclog.Info, nil
	}
	return hclog.Warn, nil
}

// ChoiceFlag is a flag without value that sets a shared choice, so that of
// --json and --yaml (or --hal and --simple) the last one given wins, as
// in the original tool.
type ChoiceFlag struct {
	Target *string
	Value  string
}

func (c *ChoiceFlag) String() string   { return "" }
func (c *ChoiceFlag) Type() string     { return "bool" }
func (c *ChoiceFlag) IsBoolFlag() bool { return true }
func (c *ChoiceFlag) Set(s string) error {
	switch s {
	case "true", "":
		*c.Target = c.Value
	case "false":
	default:
		return fmt.Errorf("takes no value")
	}
	return nil
}

// Choice registers a no-value flag that sets target to value.
func Choice(fs *pflag.FlagSet, target *string, value, name, short, usage string) {
	f := fs.VarPF(&ChoiceFlag{Target: target, Value: value}, name, short, usage)
	f.NoOptDefVal = "true"
}
