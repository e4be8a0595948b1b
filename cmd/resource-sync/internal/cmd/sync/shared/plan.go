package shared

import (
	"github.com/spf13/pflag"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/host"
)

// Mode says which command the plan flags are for.
type Mode int

const (
	ModeSync Mode = iota
	ModeDiff
	ModeValidate
	// ModeWatch: resource-sync watch, which asks no questions and makes
	// no dry runs.
	ModeWatch
)

// PlanFlags say what a sync may change and how changes are judged.
type PlanFlags struct {
	Delete    bool
	Rm        bool
	MaxDelete string
	Yes       bool
	DryRun    bool
	Ignore    []string
	Include   []string
	Exclude   []string
	Output    string
	Strict    bool
	ReadAll   bool
}

// Register adds the plan flags mode m takes.
func (p *PlanFlags) Register(fs *pflag.FlagSet, m Mode) {
	if m != ModeValidate {
		fs.BoolVar(&p.Delete, "delete", false, "also delete from DESTINATION the resources of the synced types that no origin holds: children first, only after every write succeeded, within --max-delete")
		fs.BoolVar(&p.Rm, "rm", false, "same as --delete (the original tool's name)")
		fs.StringVar(&p.MaxDelete, "max-delete", "50%", "refuse to delete more than N resources, or N% of what DESTINATION holds of the synced types")
		fs.StringArrayVar(&p.Ignore, "ignore", nil, "leave a server-managed field out of comparisons, as a JSON pointer: /version, or TYPE:/pointer for one type (repeatable); it keeps the destination's value")
	}
	if m == ModeSync || m == ModeDiff {
		fs.BoolVar(&p.ReadAll, "read-all", false, "read every file of a directory, even those the versions kept from the last sync (inode, size, times) say are unchanged, and every page of an API without conditional GETs: for file systems whose change times cannot be trusted, or servers whose ETags cannot")
	}
	if m == ModeSync {
		fs.BoolVarP(&p.Yes, "yes", "Y", false, "delete without asking (on a terminal, deletions are listed and confirmed)")
		fs.BoolVar(&p.DryRun, "dry-run", false, "print the plan as `diff` does and change nothing")
	}
	fs.StringArrayVar(&p.Include, "include", nil, "only sync resources matching this glob over TYPE or TYPE/ID (repeatable)")
	fs.StringArrayVar(&p.Exclude, "exclude", nil, "leave out resources matching this glob over TYPE or TYPE/ID (repeatable); they are neither written nor deleted")
	if m != ModeValidate {
		fs.StringVar(&p.Output, "output", "text", "text, or json: one JSON object per resource and line on stdout (action, type, id, uri, fingerprint, outcome, error)")
	}
	if m == ModeValidate {
		fs.BoolVar(&p.Strict, "strict", false, "make warnings (a parent that points at nothing) errors")
	}
}

// RegisterBisync adds the flags bisync shares with a sync: --max-delete,
// --ignore, --include, --exclude, --dry-run and --output.
func (p *PlanFlags) RegisterBisync(fs *pflag.FlagSet) {
	fs.StringVar(&p.MaxDelete, "max-delete", "50%", "refuse to delete more than N resources, or N% of what a side holds in scope, on either side")
	fs.StringArrayVar(&p.Ignore, "ignore", nil, "leave a server-managed field out of comparisons, as a JSON pointer: /version, or TYPE:/pointer for one type (repeatable); it keeps each side's value")
	fs.StringArrayVar(&p.Include, "include", nil, "only sync resources matching this glob over TYPE or TYPE/ID (repeatable)")
	fs.StringArrayVar(&p.Exclude, "exclude", nil, "leave out resources matching this glob over TYPE or TYPE/ID (repeatable); they are neither written nor deleted")
	fs.BoolVar(&p.DryRun, "dry-run", false, "print what would be written to each side, and the conflicts, and change nothing (the journal included)")
	fs.StringVar(&p.Output, "output", "text", "text, or json: one JSON object per resource and side on stdout (side, action, type, id, uri, fingerprint, outcome, reason, error)")
}

// Deleting says --delete (or --rm) was given.
func (p *PlanFlags) Deleting() bool { return p.Delete || p.Rm }

// Validate checks the plan flags; destination is the command's, if any.
func (p *PlanFlags) Validate(destination string) error {
	switch p.Output {
	case "", "text":
	case "json":
		if destination == "-" && !p.DryRun {
			return cmdutil.FlagErrorf("--output json writes to stdout, which is the destination here")
		}
	default:
		return cmdutil.FlagErrorf("invalid --output %q: want text or json", p.Output)
	}
	if p.MaxDelete != "" {
		if _, err := host.ParseDeleteLimit(p.MaxDelete); err != nil {
			return cmdutil.FlagErrorf("invalid --max-delete: %v", err)
		}
	}
	for _, s := range p.Ignore {
		if _, err := host.ParseIgnore(s); err != nil {
			return cmdutil.FlagErrorf("invalid --%v", err)
		}
	}
	if err := (host.Filter{Include: p.Include, Exclude: p.Exclude}).Validate(); err != nil {
		return cmdutil.FlagErrorf("invalid --include or --exclude: %v", err)
	}
	return nil
}

// SyncOptions is the part of host.SyncOptions these flags decide.
func (p *PlanFlags) SyncOptions() (host.SyncOptions, error) {
	opts := host.SyncOptions{Delete: p.Deleting(), Filter: host.Filter{Include: p.Include, Exclude: p.Exclude}, ReadAll: p.ReadAll}
	if p.MaxDelete != "" {
		limit, err := host.ParseDeleteLimit(p.MaxDelete)
		if err != nil {
			return opts, cmdutil.FlagErrorf("invalid --max-delete: %v", err)
		}
		opts.MaxDelete = limit
	}
	for _, s := range p.Ignore {
		rule, err := host.ParseIgnore(s)
		if err != nil {
			return opts, cmdutil.FlagErrorf("invalid --%v", err)
		}
		opts.Ignore = append(opts.Ignore, rule)
	}
	return opts, nil
}
